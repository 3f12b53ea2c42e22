//! A leader whose call is dropped mid-body releases the key at once: a
//! waiting replica runs its own body without waiting for the lease.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use coalesce::Group;

use crate::setup::{Setup, LONG_LEASE};
use crate::support::{within, Counter, DropFlag, Gate, DEADLINE};

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
