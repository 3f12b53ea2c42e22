use coalesce::coalesce;

#[coalesce(key = "id", fleet_name = "reports/find")]
async fn report(id: u64) -> String {
    id.to_string()
}

fn main() {}
