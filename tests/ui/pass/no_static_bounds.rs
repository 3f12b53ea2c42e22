//! Shapes that need no `'static` bound, since instantiations are told apart
//! by a closure type: a generic parameter that borrows, an `impl Trait`
//! argument that borrows, a receiver whose type borrows, const generics and
//! a method without receiver in a generic impl. The futures stay `Send`.

use std::fmt::Display;
use std::marker::PhantomData;

use coalesce::coalesce;

#[coalesce(key = "id")]
async fn show<T: Display + Send + Sync>(id: u64, value: T) -> String {
    format!("{id}{value}")
}

#[coalesce(key = "id")]
async fn apply(id: u64, f: impl Fn(u64) -> u64 + Send) -> u64 {
    f(id)
}

#[coalesce]
async fn scaled<const N: usize>(id: u64) -> u64 {
    id * N as u64
}

struct Borrowing<'a> {
    prefix: &'a str,
}

impl<'a> Borrowing<'a> {
    #[coalesce(key = "id")]
    async fn find(&self, id: u64) -> String {
        format!("{}{id}", self.prefix)
    }
}

struct Repo<T>(PhantomData<T>);

impl<T> Repo<T> {
    #[coalesce(key = "id")]
    async fn load(id: u64) -> u64 {
        id
    }
}

fn assert_send<F: std::future::Future + Send>(f: F) -> F {
    f
}

fn main() {
    let text = String::from("x");
    let offset = 2;
    let repo = Borrowing { prefix: &text };
    futures::executor::block_on(async {
        assert_eq!(assert_send(show(1, text.as_str())).await, "1x");
        assert_eq!(assert_send(apply(1, |id| id + offset)).await, 3);
        assert_eq!(assert_send(scaled::<3>(2)).await, 6);
        assert_eq!(assert_send(repo.find(4)).await, "x4");
        assert_eq!(assert_send(Repo::<&str>::load(5)).await, 5);
    });
}
