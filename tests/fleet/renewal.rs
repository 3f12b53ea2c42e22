//! A leader whose body outlasts several leases renews its lease: the other
//! replicas keep waiting for its value instead of running the body too.

use std::time::Duration;

use crate::setup::{held_flight, Setup};
use crate::support::within;

const NAME: &str = "renewal::find";

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_leader_keeps_its_lease() {
    const LEASE: Duration = Duration::from_millis(300);
    let Some(setup) = Setup::start("slow-leader") else {
        return;
    };
    let (a, b) = (setup.replica(LEASE).await, setup.replica(LEASE).await);
    // Time is what this test is about: five leases pass while b waits.
    let setup = &setup;
    let flight = within(held_flight(&a, &b, NAME, 9, |release| async move {
        setup.waiting_replicas(1).await;
        tokio::time::sleep(5 * LEASE).await;
        release.open();
    }))
    .await;

    assert_eq!((flight.a.as_str(), flight.b.as_str()), ("from a", "from a"));
    assert_eq!(flight.runs, 1, "b did not take the lease over");
    assert_eq!(
        (a.stats().led, b.stats().received),
        (1, 1),
        "b: {}",
        b.stats()
    );
}
