use coalesce::coalesce;

#[coalesce]
async fn find_user(name: Option<&str>) -> u64 {
    name.map_or(0, |name| name.len() as u64)
}

fn main() {}
