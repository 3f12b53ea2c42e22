//! Rule 1: while a leader for a key is in flight, equal keys follow it;
//! different keys never wait on each other.

use std::sync::Arc;

use coalesce::Group;

use crate::support::{within, Arrivals, Counter, Gate};

/// Spawns `callers` calls for `key` whose bodies count runs and wait on `gate`.
fn spawn_callers(
    group: &Arc<Group<u32, String>>,
    key: u32,
    callers: usize,
    runs: &Counter,
    gate: &Gate,
    arrivals: &Arrivals,
) -> Vec<tokio::task::JoinHandle<String>> {
    (0..callers)
        .map(|caller| {
            let (group, runs, gate, arrivals) =
                (group.clone(), runs.clone(), gate.clone(), arrivals.clone());
            tokio::spawn(async move {
                let body = async move {
                    runs.hit();
                    gate.wait().await;
                    format!("key {key} computed by caller {caller}")
                };
                arrivals.track(group.run(key, body)).await
            })
        })
        .collect()
}

#[tokio::test]
async fn concurrent_calls_with_one_key_run_the_body_once() {
    let group = Arc::new(Group::new());
    let (runs, gate, arrivals) = (Counter::new(), Gate::new(), Arrivals::new());
    let callers = spawn_callers(&group, 7, 100, &runs, &gate, &arrivals);

    within(arrivals.wait_for(100)).await;
    assert_eq!(runs.get(), 1, "only the leader's body starts");
    assert!(group.is_in_flight(&7));
    gate.open();

    let mut values = Vec::new();
    for caller in callers {
        values.push(within(caller).await.unwrap());
    }
    assert_eq!(runs.get(), 1);
    assert!(values.iter().all(|value| *value == values[0]), "{values:?}");
    assert_eq!(group.in_flight(), 0);
}

#[tokio::test]
async fn a_late_caller_joins_the_running_execution() {
    let group = Arc::new(Group::new());
    let (runs, gate, arrivals) = (Counter::new(), Gate::new(), Arrivals::new());
    let mut callers = spawn_callers(&group, 1, 1, &runs, &gate, &arrivals);
    within(arrivals.wait_for(1)).await;

    // The leader's body is already running when this caller arrives.
    callers.extend(spawn_callers(&group, 1, 1, &runs, &gate, &arrivals));
    within(arrivals.wait_for(2)).await;
    gate.open();

    for caller in callers {
        assert_eq!(within(caller).await.unwrap(), "key 1 computed by caller 0");
    }
    assert_eq!(runs.get(), 1);
}

#[tokio::test]
async fn each_key_runs_once_and_keys_do_not_wait_on_each_other() {
    const KEYS: u32 = 4;
    const CALLERS: usize = 25;
    let group = Arc::new(Group::new());
    let arrivals = Arrivals::new();
    let mut per_key = Vec::new();
    for key in 0..KEYS {
        let (runs, gate) = (Counter::new(), Gate::new());
        let callers = spawn_callers(&group, key, CALLERS, &runs, &gate, &arrivals);
        per_key.push((key, runs, gate, callers));
    }
    within(arrivals.wait_for(KEYS as usize * CALLERS)).await;
    assert_eq!(group.in_flight(), KEYS as usize);

    // Release the keys in reverse order: each completes while the keys
    // before it are still blocked, so no key waits behind another.
    for (key, runs, gate, callers) in per_key.into_iter().rev() {
        gate.open();
        for caller in callers {
            assert!(within(caller)
                .await
                .unwrap()
                .starts_with(&format!("key {key} ")));
        }
        assert_eq!(runs.get(), 1, "key {key}");
        assert_eq!(group.in_flight(), key as usize);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_waiters_on_a_multi_thread_runtime_share_one_execution() {
    const CALLERS: usize = 10_000;
    let group = Arc::new(Group::new());
    let (runs, gate, arrivals) = (Counter::new(), Gate::new(), Arrivals::new());
    let callers = spawn_callers(&group, 3, CALLERS, &runs, &gate, &arrivals);

    within(arrivals.wait_for(CALLERS)).await;
    gate.open();
    let mut values = Vec::with_capacity(CALLERS);
    for caller in callers {
        values.push(within(caller).await.unwrap());
    }
    assert_eq!(runs.get(), 1);
    assert!(values.iter().all(|value| *value == values[0]));
    assert_eq!(group.in_flight(), 0);
}
