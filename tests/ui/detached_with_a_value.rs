use coalesce::coalesce;

#[coalesce(key = "id", detached = true)]
async fn find(id: u64) -> u64 {
    id
}

fn main() {}
