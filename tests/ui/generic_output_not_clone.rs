// The output is a bare type parameter: the fix is a `Clone` bound, not `Arc`
// around an error.

use coalesce::coalesce;

#[coalesce(key = "id")]
async fn load<T: Default + Send + 'static>(id: u64) -> T {
    let _ = id;
    T::default()
}

fn main() {}
