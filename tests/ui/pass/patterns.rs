//! Patterns in arguments: the body still sees the bindings, and the default
//! key is made of them.

use coalesce::coalesce;

struct Point {
    x: i64,
    y: i64,
}

#[coalesce]
async fn tuple((a, b): (u64, u64)) -> u64 {
    a + b
}

#[coalesce]
async fn destructured(Point { x, y }: Point, mut scale: i64) -> i64 {
    scale += 1;
    (x + y) * scale
}

#[coalesce(key = "id")]
async fn ignored(id: u64, _: &str) -> u64 {
    id
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(tuple((1, 2)).await, 3);
        assert_eq!(destructured(Point { x: 1, y: 2 }, 1).await, 6);
        assert_eq!(ignored(9, "unused").await, 9);
    });
}
