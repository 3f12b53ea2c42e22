//! `group = STATIC`: the function runs in the user's group, whose entry is
//! gone after success, error, panic and cancellation. One group per test,
//! since tests run in parallel.

mod support;

use std::sync::Arc;

use coalesce::{coalesce, Group};
use support::{within, Arrivals, Gate};

type Outcome = Result<String, Arc<str>>;

static FINISHED: Group<u64, Outcome> = Group::new();
static PANICKED: Group<u64, Outcome> = Group::new();
static CANCELLED: Group<u64, Outcome> = Group::new();

#[coalesce(key = "id", group = FINISHED)]
async fn find(id: u64, gate: Gate, fail: bool) -> Outcome {
    gate.wait().await;
    if fail {
        return Err(Arc::from("no such user"));
    }
    Ok(format!("user {id}"))
}

#[coalesce(key = "id", group = PANICKED)]
async fn explode(id: u64, gate: Gate) -> Outcome {
    gate.wait().await;
    panic!("user {id} exploded");
}

#[coalesce(key = "id", group = CANCELLED)]
async fn hang(id: u64, gate: Gate) -> Outcome {
    gate.wait().await;
    Ok(format!("user {id}"))
}

#[tokio::test]
async fn the_entry_is_gone_after_success_and_error() {
    for (id, fail) in [(1, false), (2, true)] {
        let (open, arrivals) = (Gate::new(), Arrivals::new());
        let call = arrivals.track(find(id, open.clone(), fail));
        let check = async {
            within(arrivals.wait_for(1)).await;
            assert!(FINISHED.is_in_flight(&id));
            assert_eq!(FINISHED.in_flight(), 1);
            open.open();
        };
        let (outcome, ()) = within(async { tokio::join!(call, check) }).await;
        assert_eq!(outcome.is_err(), fail);
        assert_eq!(FINISHED.in_flight(), 0);
    }
}

#[tokio::test]
async fn the_entry_is_gone_after_a_panic() {
    let (open, arrivals) = (Gate::new(), Arrivals::new());
    let call = explode(3, open.clone());
    let tracker = arrivals.clone();
    let task = tokio::spawn(async move { tracker.track(call).await });
    within(arrivals.wait_for(1)).await;
    assert_eq!(PANICKED.in_flight(), 1);
    open.open();
    assert!(within(task).await.unwrap_err().is_panic());
    assert_eq!(PANICKED.in_flight(), 0);
}

#[tokio::test]
async fn the_entry_is_gone_after_cancellation() {
    let arrivals = Arrivals::new();
    let call = hang(4, Gate::new());
    let tracker = arrivals.clone();
    let task = tokio::spawn(async move { tracker.track(call).await });
    within(arrivals.wait_for(1)).await;
    assert_eq!(CANCELLED.in_flight(), 1);
    task.abort();
    assert!(within(task).await.unwrap_err().is_cancelled());
    assert_eq!(CANCELLED.in_flight(), 0);
}
