use coalesce::coalesce;

#[coalesce(key = "id", ttl = 10)]
async fn find_user(id: u64) -> u64 {
    id
}

fn main() {}
