use coalesce::coalesce;

#[coalesce]
async fn load<const N: usize>(id: u64) -> u64 {
    id + N as u64
}

fn main() {}
