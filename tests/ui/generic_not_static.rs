use coalesce::coalesce;

#[coalesce(key = "id")]
async fn load<T: Default + Clone + Send>(id: u64) -> T {
    let _ = id;
    T::default()
}

fn main() {}
