//! A follower whose connection to Redis drops while it waits (Redis itself
//! stays up) reconnects, subscribes again and still gets the leader's value.

use crate::setup::{held_flight, Setup, LONG_LEASE};
use crate::support::{within, DEADLINE};

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
    let setup = &setup;
    let flight = within(held_flight(&a, &b, NAME, 1, |release| async move {
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
    }))
    .await;

    assert_eq!(flight.a, "from a");
    assert_eq!(
        (flight.b.as_str(), flight.runs),
        ("from a", 1),
        "b: {}",
        b.stats()
    );
    assert_eq!(b.stats().received, 1, "b: {}", b.stats());
}
