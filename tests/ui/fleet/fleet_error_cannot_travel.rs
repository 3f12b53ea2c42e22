use std::sync::Arc;

use coalesce::coalesce;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Report {
    id: u64,
}

// `Arc<io::Error>` is `Clone`, so it is shared within the process, but it is
// neither `Serialize` nor shared as a `SharedError`: it cannot travel.
#[coalesce(key = "id", fleet)]
async fn report(id: u64) -> Result<Report, Arc<std::io::Error>> {
    Ok(Report { id })
}

fn main() {}
