use coalesce::coalesce;

#[coalesce(on_leader_drop = "restart")]
async fn find(id: u64) -> u64 {
    id
}

fn main() {}
