//! `#[tracing::instrument]` above and below `#[coalesce]`.

use coalesce::coalesce;

#[tracing::instrument]
#[coalesce]
async fn outer(id: u64) -> u64 {
    id + 1
}

#[coalesce]
#[tracing::instrument(err)]
async fn inner(id: u64) -> Result<u64, String> {
    if id == 0 {
        return Err("zero".to_owned());
    }
    Ok(id)
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(outer(1).await, 2);
        assert_eq!(inner(1).await, Ok(1));
        assert_eq!(inner(0).await, Err("zero".to_owned()));
    });
}
