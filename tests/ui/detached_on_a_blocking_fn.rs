use coalesce::coalesce;

#[coalesce(key = "id", detached)]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    // The original function is still emitted: this call does not cascade.
    let _ = load(7);
}
