//! `Group::stats`: exact counters for the dedup, cancel and panic scenarios.

use std::future::pending;
use std::sync::Arc;

use coalesce::{Group, Stats};

use crate::support::{within, yield_once, Arrivals, Gate};

fn counters(stats: Stats) -> [u64; 5] {
    [
        stats.calls,
        stats.executions,
        stats.joined,
        stats.promotions,
        stats.panics,
    ]
}

#[tokio::test]
async fn three_callers_sharing_one_execution() {
    let group: Group<u8, u8> = Group::new();
    let gate = Gate::new();
    let call = || {
        group.run(1, async {
            gate.wait().await;
            5
        })
    };
    let probe = async {
        yield_once().await;
        let during = group.stats().in_flight;
        gate.open();
        during
    };
    let (_, _, _, in_flight_during) =
        within(async { tokio::join!(call(), call(), call(), probe) }).await;
    assert_eq!(in_flight_during, 1);
    let stats = group.stats();
    // calls, executions, joined, promotions, panics
    assert_eq!(counters(stats), [3, 1, 2, 0, 0]);
    assert_eq!(stats.in_flight, 0);
}

#[tokio::test]
async fn a_cancelled_leader_and_a_promoted_follower() {
    let group = Arc::new(Group::<u8, u8>::new());
    let arrivals = Arrivals::new();
    let leader = {
        let (group, arrivals) = (group.clone(), arrivals.clone());
        tokio::spawn(async move { arrivals.track(group.run(1, pending())).await })
    };
    within(arrivals.wait_for(1)).await;
    let followers: Vec<_> = (0..2)
        .map(|value| {
            let (group, arrivals) = (group.clone(), arrivals.clone());
            tokio::spawn(async move { arrivals.track(group.run(1, async move { value })).await })
        })
        .collect();
    within(arrivals.wait_for(3)).await;
    leader.abort();
    assert!(within(leader).await.unwrap_err().is_cancelled());
    for follower in followers {
        assert_eq!(
            within(follower).await.unwrap(),
            0,
            "the first follower's own body"
        );
    }
    assert_eq!(counters(group.stats()), [3, 2, 1, 1, 0]);
}

#[tokio::test]
async fn a_panicking_body() {
    let group = Arc::new(Group::<u8, u8>::new());
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let (group, gate, arrivals) = (group.clone(), gate.clone(), arrivals.clone());
            tokio::spawn(async move {
                let body = async move {
                    gate.wait().await;
                    panic!("stats panic")
                };
                arrivals.track(group.run(1, body)).await
            })
        })
        .collect();
    within(arrivals.wait_for(3)).await;
    gate.open();
    for call in calls {
        assert!(within(call).await.unwrap_err().is_panic());
    }
    assert_eq!(counters(group.stats()), [3, 1, 0, 0, 1]);
}
