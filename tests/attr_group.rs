//! `group = STATIC`: the function runs in the user's group, whose entry is
//! gone after success, error, panic and cancellation. One group per test,
//! since tests run in parallel.

mod support;

use std::sync::Arc;

use coalesce::{coalesce, Group};
use support::{gate, polled, within};
use tokio::sync::Notify;

type Outcome = Result<String, Arc<str>>;

static FINISHED: Group<u64, Outcome> = Group::new();
static PANICKED: Group<u64, Outcome> = Group::new();
static CANCELLED: Group<u64, Outcome> = Group::new();

#[coalesce(key = "id", group = FINISHED)]
async fn find(id: u64, gate: Arc<Notify>, fail: bool) -> Outcome {
    gate.notified().await;
    if fail {
        return Err(Arc::from("no such user"));
    }
    Ok(format!("user {id}"))
}

#[coalesce(key = "id", group = PANICKED)]
async fn explode(id: u64, gate: Arc<Notify>) -> Outcome {
    gate.notified().await;
    panic!("user {id} exploded");
}

#[coalesce(key = "id", group = CANCELLED)]
async fn hang(id: u64, gate: Arc<Notify>) -> Outcome {
    gate.notified().await;
    Ok(format!("user {id}"))
}

#[tokio::test]
async fn the_entry_is_gone_after_success_and_error() {
    for (id, fail) in [(1, false), (2, true)] {
        let open = gate();
        let (call, call_polled) = polled(find(id, open.clone(), fail));
        let check = async {
            within(call_polled).await.unwrap();
            assert!(FINISHED.is_in_flight(&id));
            assert_eq!(FINISHED.in_flight(), 1);
            open.notify_one();
        };
        let (outcome, ()) = within(async { tokio::join!(call, check) }).await;
        assert_eq!(outcome.is_err(), fail);
        assert_eq!(FINISHED.in_flight(), 0);
    }
}

#[tokio::test]
async fn the_entry_is_gone_after_a_panic() {
    let open = gate();
    let (call, call_polled) = polled(explode(3, open.clone()));
    let task = tokio::spawn(call);
    within(call_polled).await.unwrap();
    assert_eq!(PANICKED.in_flight(), 1);
    open.notify_one();
    assert!(within(task).await.unwrap_err().is_panic());
    assert_eq!(PANICKED.in_flight(), 0);
}

#[tokio::test]
async fn the_entry_is_gone_after_cancellation() {
    let (call, call_polled) = polled(hang(4, gate()));
    let task = tokio::spawn(call);
    within(call_polled).await.unwrap();
    assert_eq!(CANCELLED.in_flight(), 1);
    task.abort();
    assert!(within(task).await.unwrap_err().is_cancelled());
    assert_eq!(CANCELLED.in_flight(), 0);
}
