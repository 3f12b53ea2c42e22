//! Deduplication through the attribute: concurrent equal keys run the body
//! once and every caller gets the value; different keys, different functions
//! and later calls run on their own.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use coalesce::coalesce;
use support::{within, Arrivals, Gate};

#[coalesce(key = "id")]
async fn load(id: u64, gate: Gate, runs: Arc<AtomicUsize>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    format!("user {id}")
}

#[coalesce(key = "id")]
async fn load_other(id: u64, gate: Gate, runs: Arc<AtomicUsize>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    format!("other {id}")
}

#[tokio::test]
async fn concurrent_equal_keys_run_the_body_once() {
    let (gate, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let a = arrivals.track(load(1, gate.clone(), runs.clone()));
    let b = arrivals.track(load(1, gate.clone(), runs.clone()));
    let c = arrivals.track(load(1, gate.clone(), runs.clone()));
    let release = async {
        within(arrivals.wait_for(3)).await;
        gate.open();
    };
    let (a, b, c, ()) = within(async { tokio::join!(a, b, c, release) }).await;
    assert_eq!([a, b, c], ["user 1", "user 1", "user 1"].map(String::from));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn different_keys_do_not_wait_for_each_other() {
    let (blocked, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let one = arrivals.track(load(10, blocked.clone(), runs.clone()));
    let other = async {
        within(arrivals.wait_for(1)).await;
        let open = Gate::new();
        open.open();
        // Key 11 finishes while key 10 is still held by its gate.
        let value = within(load(11, open, runs.clone())).await;
        blocked.open();
        value
    };
    let (one, other) = within(async { tokio::join!(one, other) }).await;
    assert_eq!((one.as_str(), other.as_str()), ("user 10", "user 11"));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn two_functions_with_equal_keys_never_share() {
    let (blocked, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let first = arrivals.track(load(20, blocked.clone(), runs.clone()));
    let second = async {
        within(arrivals.wait_for(1)).await;
        let open = Gate::new();
        open.open();
        let value = within(load_other(20, open, runs.clone())).await;
        blocked.open();
        value
    };
    let (first, second) = within(async { tokio::join!(first, second) }).await;
    assert_eq!((first.as_str(), second.as_str()), ("user 20", "other 20"));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_finished_call_is_not_cached() {
    let runs = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let open = Gate::new();
        open.open();
        assert_eq!(within(load(30, open, runs.clone())).await, "user 30");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn calls_register_at_first_poll_not_at_creation() {
    let runs = Arc::new(AtomicUsize::new(0));
    let open = Gate::new();
    let a = load(40, open.clone(), runs.clone());
    let b = load(40, open.clone(), runs.clone());
    open.open();
    within(a).await;
    within(b).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

struct UserRepo {
    queries: AtomicUsize,
    gate: Gate,
}

impl UserRepo {
    #[coalesce]
    async fn find_user(&self, id: u64) -> Option<String> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        self.gate.wait().await;
        (id != 0).then(|| format!("user {id}"))
    }
}

#[tokio::test]
async fn a_repository_method_runs_once_for_concurrent_equal_keys() {
    let repo = UserRepo {
        queries: AtomicUsize::new(0),
        gate: Gate::new(),
    };
    let arrivals = Arrivals::new();
    let a = arrivals.track(repo.find_user(7));
    let b = arrivals.track(repo.find_user(7));
    let release = async {
        within(arrivals.wait_for(2)).await;
        repo.gate.open();
    };
    let (a, b, ()) = within(async { tokio::join!(a, b, release) }).await;
    assert_eq!(
        (a.as_deref(), b.as_deref()),
        (Some("user 7"), Some("user 7"))
    );
    assert_eq!(repo.queries.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_callers_on_several_threads_share_one_execution() {
    let (open, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let mut handles = Vec::new();
    for _ in 0..8 {
        // `tokio::spawn` needs the annotated fn's future to be `Send`.
        let call = load(50, open.clone(), runs.clone());
        let arrivals = arrivals.clone();
        handles.push(tokio::spawn(async move { arrivals.track(call).await }));
    }
    within(arrivals.wait_for(8)).await;
    open.open();
    for handle in handles {
        assert_eq!(within(handle).await.unwrap(), "user 50");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
