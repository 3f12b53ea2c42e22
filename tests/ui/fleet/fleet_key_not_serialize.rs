use coalesce::coalesce;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct ReportId(u64);

#[coalesce(key = "id", fleet)]
async fn report(id: &ReportId) -> String {
    format!("{id:?}")
}

fn main() {}
