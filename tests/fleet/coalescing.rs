//! One execution per key for every replica that shares the Redis, every
//! caller gets its value, and nothing is kept once the flight is over.

use coalesce::{FleetStats, Group};
use futures::future::join_all;

use crate::setup::{held_flight, Setup, LONG_LEASE};
use crate::support::{within, Arrivals, Counter, Gate};

const NAME: &str = "coalescing::find";

fn led_and_received(stats: FleetStats) -> (u64, u64) {
    (stats.led, stats.received)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_share_one_execution() {
    let Some(setup) = Setup::start("two-replicas") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let setup = &setup;
    let flight = within(held_flight(&a, &b, NAME, 7, |release| async move {
        setup.waiting_replicas(1).await;
        release.open();
    }))
    .await;

    assert_eq!((flight.a.as_str(), flight.b.as_str()), ("from a", "from a"));
    assert_eq!(flight.runs, 1, "the body ran once across both replicas");
    assert_eq!(led_and_received(a.stats()), (1, 0), "a: {}", a.stats());
    assert_eq!(led_and_received(b.stats()), (0, 1), "b: {}", b.stats());
}

#[tokio::test(flavor = "multi_thread")]
async fn many_callers_on_each_replica_share_one_execution_fleet_wide() {
    const CALLERS: usize = 20;
    let Some(setup) = Setup::start("many-callers") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (Group::<String, u64>::new(), Group::<String, u64>::new());
    let runs = Counter::new();
    let arrivals = Arrivals::new();
    let release = Gate::new();
    let body = || async {
        let run = runs.hit() as u64;
        release.wait().await;
        run * 100
    };
    let callers = (0..CALLERS).flat_map(|_| {
        [
            arrivals.track(group_a.run_fleet(&a, NAME, "hot".to_owned(), body())),
            arrivals.track(group_b.run_fleet(&b, NAME, "hot".to_owned(), body())),
        ]
    });
    // Whichever replica leads, its body is held until every caller joined a
    // local flight and the other replica waits in Redis.
    let release_once_all_wait = async {
        arrivals.wait_for(2 * CALLERS).await;
        setup.waiting_replicas(1).await;
        release.open();
    };
    let (values, ()) =
        within(async { tokio::join!(join_all(callers), release_once_all_wait) }).await;

    assert_eq!(
        values,
        vec![100; 2 * CALLERS],
        "every caller got the one value"
    );
    assert_eq!(runs.get(), 1, "the body ran once across both replicas");
    for (replica, group, fleet) in [("a", &group_a, &a), ("b", &group_b, &b)] {
        let (local, fleet) = (group.stats(), fleet.stats());
        assert_eq!(local.calls, CALLERS as u64, "{replica}: {local}");
        assert_eq!(local.executions, 1, "{replica}: one local flight: {local}");
        assert_eq!(
            fleet.led + fleet.received,
            1,
            "{replica}: one request to Redis: {fleet}"
        );
    }
    assert_eq!(a.stats().led + b.stats().led, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_after_a_flight_finished_runs_again() {
    let Some(setup) = Setup::start("no-caching") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (Group::<u32, usize>::new(), Group::<u32, usize>::new());
    let runs = Counter::new();

    let first = within(group_a.run_fleet(&a, NAME, 1, async { runs.hit() })).await;
    let second = within(group_b.run_fleet(&b, NAME, 1, async { runs.hit() })).await;
    let third = within(group_a.run_fleet(&a, NAME, 1, async { runs.hit() })).await;

    assert_eq!((first, second, third), (1, 2, 3), "nothing is cached");
    assert_eq!(led_and_received(a.stats()), (2, 0));
    assert_eq!(led_and_received(b.stats()), (1, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_value_too_large_for_the_message_is_fetched_from_redis() {
    // Outcomes over 64 KiB are stored and announced, not sent in the message.
    let Some(setup) = Setup::start("large-value") else {
        return;
    };
    let (a, b) = (
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    );
    let (group_a, group_b) = (Group::<u8, String>::new(), Group::<u8, String>::new());
    let large = "x".repeat(200 * 1024);
    let runs = Counter::new();
    let (started, release) = (Gate::new(), Gate::new());

    let leader = group_a.run_fleet(&a, NAME, 3, async {
        runs.hit();
        started.open();
        release.wait().await;
        large.clone()
    });
    let follower = async {
        started.wait().await;
        let follower = group_b.run_fleet(&b, NAME, 3, async {
            runs.hit();
            String::new()
        });
        let release_once_b_waits = async {
            setup.waiting_replicas(1).await;
            release.open();
        };
        tokio::join!(follower, release_once_b_waits).0
    };
    let (leader, follower) = within(async { tokio::join!(leader, follower) }).await;

    assert!(leader == large && follower == large, "both got the value");
    assert_eq!(runs.get(), 1);
    assert_eq!(led_and_received(b.stats()), (0, 1), "b: {}", b.stats());
}

#[tokio::test(flavor = "multi_thread")]
async fn other_names_and_namespaces_do_not_wait_on_a_flight() {
    let Some(setup) = Setup::start("names") else {
        return;
    };
    let a = setup.replica(LONG_LEASE).await;
    let b = setup.replica(LONG_LEASE).await;
    let elsewhere = crate::setup::replica(
        &setup.url(),
        &format!("{}-other", setup.namespace),
        LONG_LEASE,
    )
    .await;
    let (group_a, group_b) = (Group::<u32, String>::new(), Group::<u32, String>::new());
    let (started, release) = (Gate::new(), Gate::new());

    let held = group_a.run_fleet(&a, NAME, 1, async {
        started.open();
        release.wait().await;
        "held".to_owned()
    });
    let others = async {
        started.wait().await;
        // While the flight of `NAME` for 1 is held, these run their bodies.
        let other_name = group_b
            .run_fleet(&b, "coalescing::other", 1, async {
                "other name".to_owned()
            })
            .await;
        let other_namespace = group_b
            .run_fleet(&elsewhere, NAME, 1, async { "other namespace".to_owned() })
            .await;
        release.open();
        (other_name, other_namespace)
    };
    let (held, (other_name, other_namespace)) = within(async { tokio::join!(held, others) }).await;

    assert_eq!(held, "held");
    assert_eq!(other_name, "other name");
    assert_eq!(other_namespace, "other namespace");
    assert_eq!((b.stats().led, elsewhere.stats().led), (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn rounds_on_one_key_each_run_once() {
    // Each round's follower subscribes to the key's channel and leaves it
    // when done; the next round subscribes again right away.
    const ROUNDS: usize = 20;
    let Some(setup) = Setup::start("rounds") else {
        return;
    };
    let replicas = [
        setup.replica(LONG_LEASE).await,
        setup.replica(LONG_LEASE).await,
    ];
    let groups = [Group::<u32, usize>::new(), Group::<u32, usize>::new()];
    let runs = Counter::new();
    for round in 0..ROUNDS {
        let (lead, follow) = (round % 2, 1 - round % 2);
        let (started, release) = (Gate::new(), Gate::new());
        let leader = groups[lead].run_fleet(&replicas[lead], NAME, 0, async {
            let run = runs.hit();
            started.open();
            release.wait().await;
            run
        });
        let follower = async {
            started.wait().await;
            let follower =
                groups[follow].run_fleet(&replicas[follow], NAME, 0, async { runs.hit() });
            let release_once_waiting = async {
                setup.waiting_replicas(1).await;
                release.open();
            };
            tokio::join!(follower, release_once_waiting).0
        };
        let (leader, follower) = within(async { tokio::join!(leader, follower) }).await;
        assert_eq!((leader, follower), (round + 1, round + 1), "round {round}");
    }
    assert_eq!(runs.get(), ROUNDS);
}
