//! The `metrics` feature: what a recorder receives equals `coalesce::stats()`
//! and `Group::stats()`, for flights with joined callers, a promotion and a
//! panic, with one histogram sample of callers per flight that ended.
//!
//! One debugging recorder is installed for the whole binary, before any
//! group's first call (handles are registered then). Its snapshots drain
//! what they read, so every snapshot is added to one running total.

#![cfg(feature = "metrics")]

mod support;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, OnceLock, PoisonError};

use coalesce::{coalesce, Group, Stats};
use futures::FutureExt;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use support::{within, Gate};

/// What the recorder received so far: values by metric name and `function`
/// label, and every metric's unit and description.
#[derive(Default)]
struct Totals {
    counters: HashMap<(String, String), u64>,
    histograms: HashMap<(String, String), Vec<f64>>,
    described: HashMap<String, (Option<&'static str>, Option<String>)>,
}

/// Reads the totals, with everything recorded so far added; the recorder is
/// installed on first use.
fn totals<R>(read: impl FnOnce(&Totals) -> R) -> R {
    static RECORDER: OnceLock<Mutex<(Snapshotter, Totals)>> = OnceLock::new();
    let recorder = RECORDER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("no other recorder in this binary");
        Mutex::new((snapshotter, Totals::default()))
    });
    let mut guard = recorder.lock().unwrap_or_else(PoisonError::into_inner);
    let (snapshotter, totals) = &mut *guard;
    for (key, unit, description, value) in snapshotter.snapshot().into_vec() {
        let labels: Vec<_> = key.key().labels().collect();
        assert_eq!(labels.len(), 1, "one label on {key:?}");
        assert_eq!(labels[0].key(), "function");
        let name = key.key().name().to_owned();
        totals.described.insert(
            name.clone(),
            (
                unit.map(|unit| unit.as_str()),
                description.map(|d| d.to_string()),
            ),
        );
        let id = (name, labels[0].value().to_owned());
        match value {
            DebugValue::Counter(count) => *totals.counters.entry(id).or_default() += count,
            DebugValue::Histogram(samples) => totals
                .histograms
                .entry(id)
                .or_default()
                .extend(samples.into_iter().map(f64::from)),
            DebugValue::Gauge(_) => panic!("no gauge is recorded: {key:?}"),
        }
    }
    read(totals)
}

/// One function's metrics, as recorded so far.
#[derive(Debug, PartialEq)]
struct Recorded {
    /// calls, executions, joined, promotions, panics.
    counters: [u64; 5],
    /// Callers per flight, in ascending order.
    flight_callers: Vec<f64>,
}

const COUNTERS: [&str; 5] = [
    "coalesce_calls_total",
    "coalesce_executions_total",
    "coalesce_joined_total",
    "coalesce_promotions_total",
    "coalesce_panics_total",
];

const FLIGHT_CALLERS: &str = "coalesce_flight_callers";

fn recorded(function: &str) -> Recorded {
    totals(|totals| {
        let id = |name: &str| (name.to_owned(), function.to_owned());
        let mut flight_callers = totals
            .histograms
            .get(&id(FLIGHT_CALLERS))
            .cloned()
            .unwrap_or_default();
        flight_callers.sort_by(f64::total_cmp);
        Recorded {
            counters: COUNTERS.map(|name| totals.counters.get(&id(name)).copied().unwrap_or(0)),
            flight_callers,
        }
    })
}

fn counters(stats: Stats) -> [u64; 5] {
    [
        stats.calls,
        stats.executions,
        stats.joined,
        stats.promotions,
        stats.panics,
    ]
}

fn row(name: &str) -> Stats {
    coalesce::stats()
        .into_iter()
        .find_map(|(function, stats)| (function == name).then_some(stats))
        .unwrap_or_else(|| panic!("{name} is not in coalesce::stats()"))
}

/// Runs three flights of `call`: one leader and two joined callers; a leader
/// dropped with one follower waiting, which is promoted; a body that panics
/// with one follower waiting. Flight callers: 3, 1 (the promoted follower
/// alone, its leader gone), 2.
async fn scenario<F, Fut>(call: F)
where
    F: Fn(u64, Gate) -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    // Joined: the third future opens the gate once both others registered
    // (`futures::join!` polls in order).
    let gate = Gate::new();
    let joined = async {
        futures::join!(
            call(1, gate.clone()),
            call(1, gate.clone()),
            call(1, gate.clone()),
            async { gate.open() }
        )
    };
    assert_eq!(within(joined).await, (10, 10, 10, ()));

    // Promoted: the leader is dropped after both calls registered.
    let gate = Gate::new();
    let mut leader = Box::pin(call(2, gate.clone()));
    let mut follower = Box::pin(call(2, gate.clone()));
    assert!(futures::poll!(leader.as_mut()).is_pending());
    assert!(futures::poll!(follower.as_mut()).is_pending());
    drop(leader);
    gate.open();
    assert_eq!(within(follower).await, 20);

    // Panicked: both fail, the follower with a message of its own.
    let gate = Gate::new();
    let panicked = async {
        futures::join!(
            AssertUnwindSafe(call(3, gate.clone())).catch_unwind(),
            AssertUnwindSafe(call(3, gate.clone())).catch_unwind(),
            async { gate.open() }
        )
    };
    let (leader, follower, ()) = within(panicked).await;
    assert!(leader.is_err() && follower.is_err());
}

/// The scenario's numbers: 7 calls, 4 executions (one per flight, and the
/// promoted follower's), 2 joined, 1 promotion, 1 panic.
fn expected() -> Recorded {
    Recorded {
        counters: [7, 4, 2, 1, 1],
        flight_callers: vec![1.0, 2.0, 3.0],
    }
}

async fn body(key: u64, gate: Gate) -> u64 {
    gate.wait().await;
    assert_ne!(key, 3, "key 3 panics");
    key * 10
}

#[coalesce(key = "key")]
async fn load(key: u64, gate: Gate) -> u64 {
    body(key, gate).await
}

#[tokio::test]
async fn an_annotated_function_records_what_stats_lists() {
    totals(|_| ());
    scenario(load).await;

    let name = concat!(module_path!(), "::load");
    let recorded = recorded(name);
    assert_eq!(recorded, expected());
    assert_eq!(recorded.counters, counters(row(name)));
}

static SHARED: Group<u64, u64> = Group::new();

#[coalesce(key = "key", group = SHARED)]
async fn load_shared(key: u64, gate: Gate) -> u64 {
    body(key, gate).await
}

/// The only test that runs plain groups: they all record under `Group`.
#[tokio::test]
async fn plain_groups_record_under_group() {
    totals(|_| ());
    let group = Group::new();
    scenario(|key, gate| group.run(key, body(key, gate))).await;
    let plain = recorded("Group");
    assert_eq!(plain, expected());
    assert_eq!(plain.counters, counters(group.stats()));

    // A `group = PATH` function's calls count once, under `Group`, as
    // calls of the group they run in; `stats()` lists them under the
    // function too.
    scenario(load_shared).await;
    let shared = recorded("Group");
    let both = counters(group.stats() + SHARED.stats());
    assert_eq!(shared.counters, both);
    assert_eq!(shared.counters, expected().counters.map(|count| count * 2));
    assert_eq!(
        counters(row(concat!(module_path!(), "::load_shared"))),
        counters(SHARED.stats())
    );
    assert_eq!(shared.flight_callers, [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
}

#[tokio::test]
async fn every_metric_has_a_unit_and_a_description() {
    totals(|_| ());
    #[coalesce]
    async fn described(key: u64) -> u64 {
        key
    }
    assert_eq!(within(described(1)).await, 1);

    totals(|totals| {
        for name in COUNTERS.iter().chain(&[FLIGHT_CALLERS]) {
            let (unit, description) = &totals.described[*name];
            assert_eq!(*unit, Some("count"), "{name}");
            assert!(description.is_some(), "{name} has no description");
        }
    });
}
