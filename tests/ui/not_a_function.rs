use coalesce::coalesce;

#[coalesce]
struct Users;

fn main() {}
