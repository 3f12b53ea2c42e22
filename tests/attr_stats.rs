//! `coalesce::stats()`: one row per annotated function, named by module path
//! and function name, with exact counters; generic instantiations summed.

mod support;

use std::hash::Hash;

use coalesce::coalesce;
use support::{within, yield_once, Gate};

#[coalesce(key = "id")]
async fn lookup(id: u32, gate: Gate) -> u32 {
    gate.wait().await;
    id + 1
}

#[coalesce]
async fn echo<T: Clone + Hash + Eq + Send + Sync + 'static>(value: T) -> T {
    value
}

#[coalesce]
async fn never_called(id: u32) -> u32 {
    id
}

fn row(name: &str) -> Option<coalesce::Stats> {
    coalesce::stats()
        .into_iter()
        .find_map(|(function, stats)| (function == name).then_some(stats))
}

#[tokio::test]
async fn each_annotated_function_reports_its_counters() {
    let gate = Gate::new();
    let open = async {
        yield_once().await;
        gate.open();
    };
    let calls = async {
        tokio::join!(
            lookup(1, gate.clone()),
            lookup(1, gate.clone()),
            lookup(1, gate.clone()),
            open
        )
    };
    let (a, b, c, ()) = within(calls).await;
    assert_eq!((a, b, c), (2, 2, 2));

    let stats = row("attr_stats::lookup").expect("lookup is listed once used");
    assert_eq!(
        [
            stats.calls,
            stats.executions,
            stats.joined,
            stats.promotions,
            stats.panics
        ],
        [3, 1, 2, 0, 0]
    );
    assert_eq!(stats.in_flight, 0);
    assert!(
        row("attr_stats::never_called").is_none(),
        "registered on first use only"
    );
}

#[tokio::test]
async fn instantiations_of_a_generic_function_share_one_row() {
    assert_eq!(within(echo(5_u8)).await, 5);
    assert_eq!(within(echo(String::from("five"))).await, "five");
    let stats = row("attr_stats::echo").expect("echo is listed once used");
    assert_eq!((stats.calls, stats.executions), (2, 2));
}
