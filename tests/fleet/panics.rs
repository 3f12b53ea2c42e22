//! A body that panics in the leading replica panics the callers of the
//! other replicas too, with the leader's message: one root cause.

use std::sync::Arc;

use coalesce::Group;

use crate::setup::{Setup, LONG_LEASE};
use crate::support::{panic_text, within, Counter, Gate};

const NAME: &str = "panics::find";

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_in_the_leading_replica_panics_the_others() {
    let Some(setup) = Setup::start("panics") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (
        Arc::new(Group::<u32, String>::new()),
        Arc::new(Group::<u32, String>::new()),
    );
    let runs = Counter::new();
    let (started, release) = (Gate::new(), Gate::new());

    let leader = tokio::spawn({
        let (group, fleet, runs) = (group_a.clone(), a.clone(), runs.clone());
        let (started, release) = (started.clone(), release.clone());
        async move {
            group
                .run_fleet(&fleet, NAME, 4, async move {
                    runs.hit();
                    started.open();
                    release.wait().await;
                    panic!("the database is on fire")
                })
                .await
        }
    });
    within(started.wait()).await;
    let follower = tokio::spawn({
        let (group, fleet, runs) = (group_b.clone(), b.clone(), runs.clone());
        async move {
            group
                .run_fleet(&fleet, NAME, 4, async move {
                    runs.hit();
                    "from b".to_owned()
                })
                .await
        }
    });
    setup.waiting_replicas(1).await;
    release.open();

    let leader = within(leader).await.expect_err("the leader panics");
    let follower = within(follower).await.expect_err("the follower panics");
    let leader = panic_text(&*leader.into_panic());
    let follower = panic_text(&*follower.into_panic());
    assert_eq!(
        leader, "the database is on fire",
        "the leader's own payload"
    );
    assert!(
        follower.contains("panicked in another replica")
            && follower.contains("the database is on fire"),
        "{follower}"
    );
    assert_eq!(runs.get(), 1, "the panicking body was not run again");
    assert_eq!(b.stats().remote_panics, 1, "b: {}", b.stats());
}
