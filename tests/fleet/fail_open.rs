//! When the fleet cannot help, the body runs here: a value too large to
//! send, or a Redis that died mid-flight. Never a hang, and coalescing across
//! replicas resumes once Redis is back.

use std::collections::BTreeMap;

use coalesce::{Fleet, Group};

use crate::setup::{held_flight, held_flight_of, Setup, LONG_LEASE};
use crate::support::{within, DEADLINE};

const NAME: &str = "fail_open::find";

#[tokio::test(flavor = "multi_thread")]
async fn a_result_over_max_result_bytes_runs_in_each_replica() {
    let Some(setup) = Setup::start("too-large") else {
        return;
    };
    let connect = || {
        Fleet::builder(setup.url())
            .namespace(setup.namespace.clone())
            .lease(LONG_LEASE)
            .max_result_bytes(64)
            .connect()
    };
    let a = within(connect()).await.expect("a connects");
    let b = within(connect()).await.expect("b connects");
    let large = "x".repeat(100);
    let setup = &setup;
    let values = [large.clone(), large.clone()];
    let flight = within(held_flight_of(
        &a,
        &b,
        NAME,
        2,
        values,
        |release| async move {
            setup.waiting_replicas(1).await;
            release.open();
        },
    ))
    .await;

    assert!(flight.a == large && flight.b == large);
    assert_eq!(flight.runs, 2, "b ran its own body");
    assert_eq!(
        (a.stats().led, a.stats().ran_locally),
        (1, 0),
        "a: {}",
        a.stats()
    );
    let b_stats = b.stats();
    assert_eq!(
        (b_stats.ran_locally, b_stats.received, b_stats.led),
        (1, 0, 0),
        "b: {b_stats}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_that_json_cannot_encode_runs_in_each_replica() {
    // JSON object keys are strings: a map keyed by pairs does not encode.
    let Some(setup) = Setup::start("not-encodable") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let pairs = |value: &str| BTreeMap::from([((1_u8, 2_u8), value.to_owned())]);
    let setup = &setup;
    let values = [pairs("from a"), pairs("from b")];
    let flight = within(held_flight_of(
        &a,
        &b,
        NAME,
        3,
        values,
        |release| async move {
            setup.waiting_replicas(1).await;
            release.open();
        },
    ))
    .await;

    assert_eq!((flight.a, flight.b), (pairs("from a"), pairs("from b")));
    assert_eq!(flight.runs, 2, "b ran its own body");
    assert_eq!(
        (a.stats().led, b.stats().ran_locally),
        (1, 1),
        "b: {}",
        b.stats()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_killed_mid_flight_runs_bodies_here_then_coalescing_resumes() {
    // The lease (30 s) outlasts the deadline: a follower that waited for
    // the dead Redis's lease instead of failing open would fail the test.
    assert!(LONG_LEASE > DEADLINE);
    let Some(mut setup) = Setup::start("redis-killed") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    // The leader's body stays held until b returned: b did not wait for it.
    let flight = within(held_flight(&a, &b, NAME, 8, |_release| async {
        setup.waiting_replicas(1).await;
        setup.server.kill();
    }))
    .await;

    assert_eq!((flight.a.as_str(), flight.b.as_str()), ("from a", "from b"));
    assert_eq!(flight.runs, 2);
    assert_eq!(b.stats().failed_open, 1, "b: {}", b.stats());

    // Redis comes back (empty), and the replicas coalesce again.
    setup.server.restart();
    reconnected(&a).await;
    reconnected(&b).await;
    let setup = &setup;
    let flight = within(held_flight(&a, &b, NAME, 8, |release| async move {
        setup.waiting_replicas(1).await;
        release.open();
    }))
    .await;
    assert_eq!((flight.a.as_str(), flight.b.as_str()), ("from a", "from a"));
    assert_eq!(flight.runs, 1, "coalesced across replicas again");
}

/// Waits until `fleet` leads a flight through Redis again instead of
/// failing open: the connection comes back on its own, with nothing to wait
/// on but a flight that succeeds.
async fn reconnected(fleet: &Fleet) {
    let group = Group::<u64, ()>::new();
    within(async {
        for probe in 0.. {
            let led = fleet.stats().led;
            group
                .run_fleet(fleet, "fail_open::probe", probe, async {})
                .await;
            if fleet.stats().led > led {
                return;
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_fails_open_when_redis_stops_answering_while_it_waits() {
    // Redis freezes (SIGSTOP: connections stay open, nothing answers, as in
    // a network partition) while b waits for a's value. The leader gives up
    // publishing after redis_timeout; b must not wait for a's 30 s lease
    // either: `redis_timeout` is "the most an unreachable Redis adds to a
    // call".
    assert!(LONG_LEASE > DEADLINE);
    let Some(setup) = Setup::start("redis-frozen") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let setup = &setup;
    let flight = held_flight(&a, &b, NAME, 8, |release| async move {
        setup.listening_replicas(1).await;
        setup.server.pause();
        release.open();
    });
    let outcome = tokio::time::timeout(DEADLINE, flight).await;
    setup.server.resume();
    let flight = outcome.unwrap_or_else(|_| {
        panic!(
            "with Redis frozen, b still waited after {DEADLINE:?}, for a's {LONG_LEASE:?} lease \
             (a: {}; b: {})",
            a.stats(),
            b.stats()
        )
    });
    assert_eq!((flight.a.as_str(), flight.b.as_str()), ("from a", "from b"));
    assert_eq!(b.stats().failed_open, 1, "b: {}", b.stats());
}
