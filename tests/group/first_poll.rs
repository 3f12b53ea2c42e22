//! Rule 8: a call joins or opens a flight when first polled, not when created.

use coalesce::Group;

use crate::support::{within, Counter};

#[tokio::test]
async fn futures_awaited_one_after_the_other_run_twice() {
    let group: Group<u8, usize> = Group::new();
    let runs = Counter::new();
    let a = group.run(1, async { runs.hit() });
    let b = group.run(1, async { runs.hit() });
    assert_eq!(group.in_flight(), 0, "creating a call registers nothing");
    assert_eq!(within(a).await, 1);
    assert_eq!(within(b).await, 2);
}

#[tokio::test]
async fn futures_joined_concurrently_run_once() {
    let group: Group<u8, usize> = Group::new();
    let runs = Counter::new();
    let pending_once = || {
        group.run(1, async {
            crate::support::yield_once().await;
            runs.hit()
        })
    };
    let (a, b) = within(async { tokio::join!(pending_once(), pending_once()) }).await;
    assert_eq!((a, b), (1, 1));
    assert_eq!(runs.get(), 1);
}
