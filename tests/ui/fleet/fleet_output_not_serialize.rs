use coalesce::coalesce;

#[derive(Clone, Debug)]
struct Report {
    id: u64,
}

#[coalesce(key = "id", fleet)]
async fn report(id: u64) -> Report {
    Report { id }
}

fn main() {}
