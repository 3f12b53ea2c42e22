//! The fleet on tokio's current-thread runtime: the same coalescing, and a
//! dropped leader's release (sent by a task the fleet spawns) still goes out.

use coalesce::Group;

use crate::setup::{held_flight, Setup, LONG_LEASE};
use crate::support::{within, Counter, Gate};

const NAME: &str = "runtimes::find";

#[tokio::test(flavor = "current_thread")]
async fn two_replicas_share_one_execution_on_a_current_thread_runtime() {
    let Some(setup) = Setup::start("current-thread") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let setup = &setup;
    let flight = within(held_flight(&a, &b, NAME, 1, |release| async move {
        setup.waiting_replicas(1).await;
        release.open();
    }))
    .await;

    assert_eq!(
        (flight.a.as_str(), flight.b.as_str(), flight.runs),
        ("from a", "from a", 1)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_dropped_leader_hands_over_on_a_current_thread_runtime() {
    let Some(setup) = Setup::start("current-thread-drop") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (Group::<u32, usize>::new(), Group::<u32, usize>::new());
    let runs = Counter::new();
    let (started, cancel) = (Gate::new(), Gate::new());

    let leader = async {
        let body = async {
            runs.hit();
            started.open();
            std::future::pending::<usize>().await
        };
        tokio::select! {
            _ = group_a.run_fleet(&a, NAME, 2, body) => unreachable!("the body never ends"),
            () = cancel.wait() => {}
        }
    };
    let follower = async {
        started.wait().await;
        let follower = group_b.run_fleet(&b, NAME, 2, async { runs.hit() });
        let cancel_once_b_waits = async {
            setup.waiting_replicas(1).await;
            cancel.open();
        };
        tokio::join!(follower, cancel_once_b_waits).0
    };
    let ((), follower) = within(async { tokio::join!(leader, follower) }).await;

    assert_eq!((follower, runs.get()), (2, 2), "b ran its own body");
}
