use coalesce::coalesce;

#[coalesce(key = "id", fleet)]
async fn report(id: u64) -> String {
    id.to_string()
}

fn main() {}
