//! Rule 3: the entry leaves when the body finishes, and a finishing execution
//! never removes an entry that a later execution created.

use std::sync::Arc;

use coalesce::Group;

use crate::support::{within, Arrivals, Counter, Gate};

#[tokio::test]
async fn a_call_after_a_success_runs_again() {
    let group: Group<u8, u32> = Group::new();
    let runs = Counter::new();
    let first = within(group.run(1, async { runs.hit() as u32 })).await;
    assert_eq!(group.in_flight(), 0);
    let second = within(group.run(1, async { runs.hit() as u32 })).await;
    assert_eq!((first, second), (1, 2));
}

#[tokio::test]
async fn a_call_after_an_error_runs_again() {
    let group: Group<u8, Result<u32, usize>> = Group::new();
    let runs = Counter::new();
    let first = within(group.run(1, async { Err(runs.hit()) })).await;
    assert!(!group.is_in_flight(&1));
    let second = within(group.run(1, async { Ok(runs.hit() as u32) })).await;
    assert_eq!((first, second), (Err(1), Ok(2)));
}

#[tokio::test]
async fn forget_on_an_absent_key_does_nothing() {
    let group: Group<String, u8> = Group::new();
    assert!(!group.forget("nobody"));
    assert_eq!(group.in_flight(), 0);
    assert_eq!(within(group.run("nobody".to_owned(), async { 4 })).await, 4);
}

#[tokio::test]
async fn a_forgotten_execution_finishing_late_leaves_the_newer_one_in_place() {
    let group = Arc::new(Group::<u8, &'static str>::new());
    let arrivals = Arrivals::new();
    let (old_gate, new_gate) = (Gate::new(), Gate::new());
    let spawn_call = |gate: &Gate, value: &'static str| {
        let (group, gate, arrivals) = (group.clone(), gate.clone(), arrivals.clone());
        tokio::spawn(async move {
            let body = async move {
                gate.wait().await;
                value
            };
            arrivals.track(group.run(9, body)).await
        })
    };

    let old_leader = spawn_call(&old_gate, "old");
    let old_follower = spawn_call(&old_gate, "unused");
    within(arrivals.wait_for(2)).await;
    assert!(group.forget(&9), "an execution was in flight");
    assert!(!group.is_in_flight(&9));

    let new_leader = spawn_call(&new_gate, "new");
    let new_follower = spawn_call(&new_gate, "unused");
    within(arrivals.wait_for(4)).await;

    // The old execution finishes while the new one is in flight: its
    // followers get its value, and the new entry stays.
    old_gate.open();
    assert_eq!(within(old_leader).await.unwrap(), "old");
    assert_eq!(within(old_follower).await.unwrap(), "old");
    assert!(
        group.is_in_flight(&9),
        "the stale completion removed the newer flight"
    );

    new_gate.open();
    assert_eq!(within(new_leader).await.unwrap(), "new");
    assert_eq!(within(new_follower).await.unwrap(), "new");
    assert_eq!(group.in_flight(), 0);
}
