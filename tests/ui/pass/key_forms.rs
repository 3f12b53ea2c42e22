//! Key expressions: string and bare forms, fields, method calls, macros,
//! tuples converted element by element, constants and function calls.

use coalesce::coalesce;

#[derive(Clone, Hash, PartialEq, Eq)]
struct User {
    id: u64,
    name: String,
}

const REGION: u8 = 3;

fn normalize(name: &str) -> String {
    name.to_lowercase()
}

#[coalesce(key = "user.name")]
async fn field(user: &User) -> String {
    user.name.clone()
}

#[coalesce(key = user)]
async fn whole(user: &User) -> u64 {
    user.id
}

#[coalesce(key = "(user.id, name, REGION)")]
async fn tuple(user: &User, name: &str) -> String {
    format!("{}{name}", user.id)
}

#[coalesce(key = "normalize(name)")]
async fn call(name: &str) -> String {
    normalize(name)
}

#[coalesce(key = format!("{id}:{name}"))]
async fn formatted(id: u64, name: &str) -> String {
    format!("{id}:{name}")
}

#[coalesce(key = "name.len()")]
async fn method(name: &str) -> usize {
    name.len()
}

#[coalesce(key = "(id,)")]
async fn one_tuple(id: u64) -> u64 {
    id
}

fn main() {
    let user = User {
        id: 1,
        name: "Ada".to_owned(),
    };
    futures::executor::block_on(async {
        assert_eq!(field(&user).await, "Ada");
        assert_eq!(whole(&user).await, 1);
        assert_eq!(tuple(&user, "x").await, "1x");
        assert_eq!(call("ADA").await, "ada");
        assert_eq!(formatted(2, "b").await, "2:b");
        assert_eq!(method("abc").await, 3);
        assert_eq!(one_tuple(4).await, 4);
    });
}
