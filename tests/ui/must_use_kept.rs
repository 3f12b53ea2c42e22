#![deny(unused_must_use)]

use coalesce::coalesce;

/// `#[must_use]` survives the expansion: dropping the result is still an error.
#[must_use = "the user may not exist"]
#[coalesce]
async fn find_user(id: u64) -> Option<u64> {
    Some(id)
}

async fn caller() {
    find_user(7).await;
}

fn main() {
    drop(caller());
}
