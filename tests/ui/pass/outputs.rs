//! `impl Trait` in return position, inner attributes on the body, and an
//! output that is `Send` only because the body's future is.

use std::fmt::Display;

use coalesce::coalesce;

#[coalesce]
async fn shown(id: u64) -> impl Display + Clone + Send + 'static {
    if id == 0 {
        return String::from("zero");
    }
    id.to_string()
}

#[coalesce]
async fn with_inner_attribute(id: u64) -> u64 {
    #![allow(clippy::identity_op)]
    id * 1
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(shown(0).await.to_string(), "zero");
        assert_eq!(shown(3).await.to_string(), "3");
        assert_eq!(assert_send(with_inner_attribute(2)).await, 2);
    });
}
