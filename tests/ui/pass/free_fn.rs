//! Free functions: no arguments, one, several; visibility, docs and other
//! attributes kept in order; `#[must_use]`; `?` and `return` as before.

use std::sync::Arc;

use coalesce::coalesce;

/// Documented.
#[must_use]
#[coalesce]
#[allow(clippy::unused_async)]
pub async fn no_arguments() -> u64 {
    1
}

#[coalesce]
pub(crate) async fn one(id: u64) -> u64 {
    id
}

#[coalesce]
async fn several(id: u64, name: &str, bytes: &[u8]) -> String {
    format!("{id}{name}{}", bytes.len())
}

#[coalesce]
async fn unit(_id: u64) {}

#[coalesce]
async fn question_mark(input: &str) -> Result<u64, Arc<std::num::ParseIntError>> {
    if input.is_empty() {
        return Ok(0);
    }
    let value: u64 = input.parse().map_err(Arc::new)?;
    Ok(value)
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(no_arguments().await, 1);
        assert_eq!(one(7).await, 7);
        assert_eq!(several(1, "a", b"xyz").await, "1a3");
        unit(3).await;
        assert_eq!(question_mark("").await.unwrap(), 0);
        assert_eq!(question_mark("12").await.unwrap(), 12);
        assert!(question_mark("x").await.is_err());
    });
}
