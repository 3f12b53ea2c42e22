//! `log_key = true|false` on every kind of function, and on keys without
//! `Debug`: `false` never asks for `Debug`, and `true` on a key without it
//! logs no key rather than failing to compile.

use std::sync::Arc;

use coalesce::coalesce;

/// A key without `Debug`.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Token(u64);

#[coalesce(key = "token", log_key = false)]
async fn redeem(token: &Token) -> u64 {
    token.0
}

#[coalesce(key = "token", log_key = true)]
async fn inspect(token: &Token) -> u64 {
    token.0
}

#[coalesce(log_key = false, key = "path")]
fn read(path: &str) -> usize {
    path.len()
}

struct Repo;

impl Repo {
    #[coalesce(key = "id", detached, log_key = true)]
    async fn find(self: Arc<Self>, id: u64) -> u64 {
        id
    }
}

fn main() {
    coalesce::log_keys(false);
    futures::executor::block_on(async {
        assert_eq!(redeem(&Token(1)).await, 1);
        assert_eq!(inspect(&Token(2)).await, 2);
        assert_eq!(Arc::new(Repo).find(3).await, 3);
    });
    assert_eq!(read("/tmp"), 4);
}
