//! Rule 7: a body may call its own group with another key; with the same key
//! it waits on itself (documented), and cancelling it leaves nothing behind.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use coalesce::Group;

use crate::support::{within, yield_once, Arrivals};

static DEPTHS: Group<u32, u32> = Group::new();

fn depth(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(DEPTHS.run(n, async move {
        if n == 0 {
            0
        } else {
            depth(n - 1).await + 1
        }
    }))
}

#[tokio::test]
async fn a_body_can_call_its_group_with_another_key() {
    assert_eq!(within(depth(5)).await, 5);
    assert_eq!(DEPTHS.in_flight(), 0);
}

#[tokio::test]
async fn a_body_calling_itself_with_the_same_key_waits_until_cancelled() {
    let group = Arc::new(Group::<u8, u8>::new());
    let arrivals = Arrivals::new();
    let call = {
        let (group, arrivals) = (group.clone(), arrivals.clone());
        tokio::spawn(async move {
            let inner = arrivals.track(group.run(0, async { 1 }));
            let body = async move { inner.await + 1 };
            arrivals.track(group.run(0, body)).await
        })
    };
    within(arrivals.wait_for(2)).await;
    for _ in 0..10 {
        yield_once().await;
    }
    assert!(!call.is_finished(), "documented: it waits on itself");

    call.abort();
    assert!(within(call).await.unwrap_err().is_cancelled());
    assert_eq!(group.in_flight(), 0);
}
