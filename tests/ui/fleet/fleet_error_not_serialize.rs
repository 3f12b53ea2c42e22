use coalesce::coalesce;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Report {
    id: u64,
}

#[coalesce(key = "id", fleet)]
async fn report(id: u64) -> anyhow::Result<Report> {
    Ok(Report { id })
}

fn main() {}
