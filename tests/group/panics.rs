//! Rule 6: a panicking body panics its leader with the original payload and
//! every follower with a message that repeats it; nobody hangs, nothing leaks.

use std::any::Any;
use std::sync::Arc;

use coalesce::Group;
use tokio::task::JoinHandle;

use crate::support::{panic_text, within, Arrivals, Counter, Gate};

async fn panic_payload(call: JoinHandle<u8>) -> Box<dyn Any + Send> {
    within(call).await.unwrap_err().into_panic()
}

/// A leader whose body panics through `panic` once `gate` opens, and two
/// followers whose bodies would return 7 if they ever ran.
async fn leader_and_followers(
    group: &Arc<Group<u8, u8>>,
    panic: fn() -> u8,
    gate: &Gate,
    runs: &Counter,
) -> Vec<JoinHandle<u8>> {
    let arrivals = Arrivals::new();
    let mut calls = Vec::new();
    for caller in 0..3 {
        let (group, gate, runs, tracker) =
            (group.clone(), gate.clone(), runs.clone(), arrivals.clone());
        calls.push(tokio::spawn(async move {
            let body = async move {
                runs.hit();
                gate.wait().await;
                if caller == 0 {
                    panic()
                } else {
                    7
                }
            };
            tracker.track(group.run(0, body)).await
        }));
        within(arrivals.wait_for(caller + 1)).await;
    }
    calls
}

#[tokio::test]
async fn followers_panic_with_the_leaders_message() {
    let group = Arc::new(Group::new());
    let (gate, runs) = (Gate::new(), Counter::new());
    let mut calls = leader_and_followers(&group, || panic!("boom in body 42"), &gate, &runs).await;
    gate.open();

    let leader = panic_payload(calls.remove(0)).await;
    assert_eq!(
        leader.downcast_ref::<&str>(),
        Some(&"boom in body 42"),
        "the original payload"
    );
    for follower in calls {
        let message = panic_text(&*panic_payload(follower).await);
        assert!(message.contains("coalesced call panicked"), "{message}");
        assert!(message.contains("boom in body 42"), "{message}");
    }
    assert_eq!(
        runs.get(),
        1,
        "followers are not promoted to run a panicking body"
    );
    assert_eq!(group.in_flight(), 0);
    assert_eq!(
        within(group.run(0, async { 1 })).await,
        1,
        "the key works again"
    );
}

#[tokio::test]
async fn a_non_string_payload_reaches_the_leader_unchanged() {
    let group = Arc::new(Group::new());
    let (gate, runs) = (Gate::new(), Counter::new());
    let mut calls =
        leader_and_followers(&group, || std::panic::panic_any(42_u32), &gate, &runs).await;
    gate.open();

    let leader = panic_payload(calls.remove(0)).await;
    assert_eq!(leader.downcast_ref::<u32>(), Some(&42));
    for follower in calls {
        let message = panic_text(&*panic_payload(follower).await);
        assert!(message.contains("coalesced call panicked"), "{message}");
    }
    assert_eq!(group.in_flight(), 0);
}

#[tokio::test]
async fn a_panic_on_one_key_leaves_other_keys_running() {
    let group = Arc::new(Group::<u8, u8>::new());
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let other = {
        let (group, gate, arrivals) = (group.clone(), gate.clone(), arrivals.clone());
        tokio::spawn(async move {
            let body = async move {
                gate.wait().await;
                5
            };
            arrivals.track(group.run(1, body)).await
        })
    };
    within(arrivals.wait_for(1)).await;

    let panicking = tokio::spawn({
        let group = group.clone();
        async move { group.run(2, async { panic!("key 2 failed") }).await }
    });
    assert!(within(panicking).await.unwrap_err().is_panic());
    assert!(group.is_in_flight(&1) && !group.is_in_flight(&2));

    gate.open();
    assert_eq!(within(other).await.unwrap(), 5);
    assert_eq!(within(group.run(2, async { 6 })).await, 6);
}
