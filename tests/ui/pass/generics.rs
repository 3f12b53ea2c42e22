//! Generics, lifetimes and where clauses are kept.

use std::fmt::Display;

use coalesce::coalesce;

#[coalesce]
async fn show<T>(value: T) -> String
where
    T: Display + Clone + std::hash::Hash + Eq + Send + Sync + 'static,
{
    value.to_string()
}

#[coalesce(key = "id")]
async fn default_of<T: Default + Clone + Send + 'static>(id: u64) -> (u64, T) {
    (id, T::default())
}

#[coalesce]
async fn borrowed<'a>(name: &'a str, other: &'a str) -> usize {
    name.len() + other.len()
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(show(5).await, "5");
        assert_eq!(show("five").await, "five");
        assert_eq!(default_of::<String>(1).await, (1, String::new()));
        assert_eq!(default_of::<u8>(1).await, (1, 0));
        assert_eq!(borrowed("ab", "c").await, 3);
    });
}
