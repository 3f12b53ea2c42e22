use coalesce::coalesce;

#[coalesce]
fn find_user(id: u64) -> u64 {
    id
}

fn main() {
    // The original function is still emitted: this call does not cascade.
    let _ = find_user(7);
}
