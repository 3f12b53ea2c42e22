use coalesce::coalesce;

struct Report {
    rows: Vec<String>,
}

#[coalesce]
async fn build(day: u32) -> anyhow::Result<Report> {
    Ok(Report { rows: vec![day.to_string()] })
}

fn main() {}
