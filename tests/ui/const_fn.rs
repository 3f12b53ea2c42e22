use coalesce::coalesce;

#[coalesce]
const fn double(id: u64) -> u64 {
    id * 2
}

fn main() {}
