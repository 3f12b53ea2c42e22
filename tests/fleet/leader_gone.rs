//! A leader whose call is dropped mid-body releases the key at once: a
//! waiting replica runs its own body without waiting for the lease.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use coalesce::Group;
use futures::future::join_all;

use crate::setup::{Setup, LONG_LEASE};
use crate::support::{within, Arrivals, Counter, DropFlag, Gate, DEADLINE};

const NAME: &str = "leader_gone::find";

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_leader_hands_over_before_its_lease_expires() {
    // The lease (30 s) outlasts the deadline (20 s): a follower that waited
    // for it to expire would fail the test.
    assert!(LONG_LEASE > DEADLINE);
    let Some(setup) = Setup::start("leader-dropped") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (Group::<u32, String>::new(), Group::<u32, String>::new());
    let runs = Counter::new();
    let (started, cancel) = (Gate::new(), Gate::new());
    let dropped = Arc::new(AtomicBool::new(false));

    let leader = async {
        let body = async {
            let _flag = DropFlag(dropped.clone());
            runs.hit();
            started.open();
            std::future::pending::<String>().await
        };
        tokio::select! {
            _ = group_a.run_fleet(&a, NAME, 5, body) => unreachable!("the body never ends"),
            () = cancel.wait() => {}
        }
    };
    let follower = async {
        started.wait().await;
        let follower = group_b.run_fleet(&b, NAME, 5, async {
            runs.hit();
            "from b".to_owned()
        });
        let cancel_once_b_waits = async {
            setup.waiting_replicas(1).await;
            cancel.open();
        };
        tokio::join!(follower, cancel_once_b_waits).0
    };
    let ((), follower) = within(async { tokio::join!(leader, follower) }).await;

    assert!(
        dropped.load(Ordering::SeqCst),
        "the leader's body was dropped"
    );
    assert_eq!(follower, "from b", "b ran its own body");
    assert_eq!(runs.get(), 2);
    assert_eq!((a.stats().led, b.stats().led), (1, 1), "b: {}", b.stats());

    // The key is free again for a's next call.
    let again = within(group_a.run_fleet(&a, NAME, 5, async { "again".to_owned() })).await;
    assert_eq!(again, "again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_leader_with_local_followers_leaves_one_new_execution_fleet_wide() {
    const LOCAL_FOLLOWERS: usize = 5;
    let Some(setup) = Setup::start("leader-dropped-local") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (Group::<u32, usize>::new(), Group::<u32, usize>::new());
    let runs = Counter::new();
    let arrivals = Arrivals::new();
    let (started, cancel) = (Gate::new(), Gate::new());

    // a's first caller leads and is dropped; a's other callers and b wait.
    let leader = async {
        let body = async {
            runs.hit();
            started.open();
            std::future::pending::<usize>().await
        };
        tokio::select! {
            _ = arrivals.track(group_a.run_fleet(&a, NAME, 6, body)) => unreachable!("never ends"),
            () = cancel.wait() => {}
        }
    };
    let others = async {
        started.wait().await;
        let body = || async { runs.hit() };
        let local_followers =
            (0..LOCAL_FOLLOWERS).map(|_| arrivals.track(group_a.run_fleet(&a, NAME, 6, body())));
        let other_replica = arrivals.track(group_b.run_fleet(&b, NAME, 6, body()));
        let cancel_once_all_wait = async {
            arrivals.wait_for(LOCAL_FOLLOWERS + 2).await;
            setup.waiting_replicas(1).await;
            cancel.open();
        };
        let (local, other, ()) = tokio::join!(
            join_all(local_followers),
            other_replica,
            cancel_once_all_wait
        );
        (local, other)
    };
    let ((), (local, other)) = within(async { tokio::join!(leader, others) }).await;

    assert_eq!(
        runs.get(),
        2,
        "the dropped body, then one body for everyone else"
    );
    assert_eq!(
        local,
        vec![2; LOCAL_FOLLOWERS],
        "a's followers got the new value"
    );
    assert_eq!(other, 2, "b got the new value");
    assert_eq!(group_a.stats().promotions, 1, "a: {}", group_a.stats());
    let (a, b) = (a.stats(), b.stats());
    assert_eq!(
        (a.led + b.led, a.received + b.received),
        (2, 1),
        "a: {a}; b: {b}"
    );
}
