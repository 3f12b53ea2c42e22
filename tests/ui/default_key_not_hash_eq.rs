// Without `key`, every argument is part of the key, the pool included.

use coalesce::coalesce;

struct Pool;

#[coalesce]
async fn find(pool: &Pool, id: u64) -> u64 {
    let _ = pool;
    id
}

fn main() {}
