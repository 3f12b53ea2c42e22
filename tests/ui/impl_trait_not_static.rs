use coalesce::coalesce;

#[coalesce(key = "id")]
async fn load(id: u64, fetch: impl Fn(u64) -> u64 + Send) -> u64 {
    fetch(id)
}

fn main() {}
