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
async fn a_dropped_leaders_local_follower_leads_once_the_lease_is_released() {
    // The promoted follower asks Redis while the dropped leader's release
    // may still be on its way: it waits for it (its message, or the lease
    // found free), not for the 30 s lease. Another replica waiting too would
    // race the promoted one; processes.rs has that case.
    const LOCAL_FOLLOWERS: usize = 5;
    let Some(setup) = Setup::start("leader-dropped-local") else {
        return;
    };
    let a = setup.replica(LONG_LEASE).await;
    let group = Group::<u32, usize>::new();
    let runs = Counter::new();
    let arrivals = Arrivals::new();
    let (started, cancel) = (Gate::new(), Gate::new());

    let leader = async {
        let body = async {
            runs.hit();
            started.open();
            std::future::pending::<usize>().await
        };
        tokio::select! {
            _ = arrivals.track(group.run_fleet(&a, NAME, 6, body)) => unreachable!("never ends"),
            () = cancel.wait() => {}
        }
    };
    let followers = async {
        started.wait().await;
        let followers = (0..LOCAL_FOLLOWERS)
            .map(|_| arrivals.track(group.run_fleet(&a, NAME, 6, async { runs.hit() })));
        let cancel_once_all_wait = async {
            arrivals.wait_for(LOCAL_FOLLOWERS + 1).await;
            cancel.open();
        };
        tokio::join!(join_all(followers), cancel_once_all_wait).0
    };
    let ((), values) = within(async { tokio::join!(leader, followers) }).await;

    assert_eq!(runs.get(), 2, "the dropped body, then the promoted one's");
    assert_eq!(values, vec![2; LOCAL_FOLLOWERS]);
    assert_eq!(group.stats().promotions, 1, "{}", group.stats());
    assert_eq!(a.stats().led, 2, "{}", a.stats());
}
