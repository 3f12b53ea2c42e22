// `&UserId` cannot become an owned key: `UserId` is not `Clone`.

use coalesce::coalesce;

#[derive(Hash, PartialEq, Eq)]
struct UserId(u64);

#[coalesce(key = "id")]
async fn find(id: &UserId) -> u64 {
    id.0
}

#[coalesce(key = "(id, tenant)")]
async fn find_in(id: &UserId, tenant: u32) -> u64 {
    id.0 + u64::from(tenant)
}

fn main() {}
