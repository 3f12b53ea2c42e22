use coalesce::coalesce;

#[coalesce(key = "id", key = "id")]
async fn find_user(id: u64) -> u64 {
    id
}

fn main() {}
