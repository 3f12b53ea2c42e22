use coalesce::coalesce;

#[derive(Clone)]
struct Filter {
    min: f64,
}

#[coalesce(key = "filter")]
async fn search(filter: &Filter) -> usize {
    filter.min as usize
}

fn main() {}
