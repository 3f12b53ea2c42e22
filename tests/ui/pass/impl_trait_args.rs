//! `impl Trait` arguments, owned and borrowed.

use std::fmt::Display;

use coalesce::coalesce;

#[coalesce(key = "id")]
async fn with_loader(id: u64, load: impl Fn(u64) -> String + Send + 'static) -> String {
    load(id)
}

#[coalesce(key = "label.to_string()")]
async fn with_label(label: &(impl Display + Sync + 'static)) -> usize {
    label.to_string().len()
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(with_loader(3, |id| format!("user {id}")).await, "user 3");
        assert_eq!(with_label(&12_345).await, 5);
    });
}
