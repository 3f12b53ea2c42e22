//! A follower whose connection to Redis drops while it waits (Redis itself
//! stays up) reconnects, subscribes again and still gets the leader's value.

use coalesce::Group;

use crate::setup::{Setup, LONG_LEASE};
use crate::support::{within, Counter, Gate, DEADLINE};

const NAME: &str = "reconnect::find";

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_whose_connection_drops_still_gets_the_value() {
    // The lease (30 s) outlasts the deadline: a follower that lost the
    // leader's message and waited for the lease would fail the test.
    assert!(LONG_LEASE > DEADLINE);
    let Some(setup) = Setup::start("follower-reconnects") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (Group::<u32, String>::new(), Group::<u32, String>::new());
    let runs = Counter::new();
    let (started, release) = (Gate::new(), Gate::new());

    let leader = group_a.run_fleet(&a, NAME, 1, async {
        runs.hit();
        started.open();
        release.wait().await;
        "from a".to_owned()
    });
    let follower = async {
        started.wait().await;
        let follower = group_b.run_fleet(&b, NAME, 1, async {
            runs.hit();
            "from b".to_owned()
        });
        let drop_b_then_release = async {
            setup.waiting_replicas(1).await;
            // The only subscribed connection is b's: Redis closes it.
            let mut redis = setup.redis().await;
            let killed: u64 = within(
                redis::cmd("CLIENT")
                    .arg("KILL")
                    .arg("TYPE")
                    .arg("pubsub")
                    .query_async(&mut redis),
            )
            .await
            .expect("CLIENT KILL");
            assert_eq!(killed, 1);
            // b subscribes again on its new connection, then a finishes.
            setup.waiting_replicas(1).await;
            release.open();
        };
        tokio::join!(follower, drop_b_then_release).0
    };
    let (leader, follower) = within(async { tokio::join!(leader, follower) }).await;

    assert_eq!(leader, "from a");
    assert_eq!(
        (follower.as_str(), runs.get()),
        ("from a", 1),
        "b: {}",
        b.stats()
    );
    assert_eq!(b.stats().received, 1, "b: {}", b.stats());
}
