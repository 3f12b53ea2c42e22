//! Key conversion: borrowed keys become owned values equal by content, tuple
//! keys convert element by element, the default key is every argument, and
//! the body still sees its arguments unmoved.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use coalesce::coalesce;
use support::{within, Arrivals, Gate};

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct User {
    id: u64,
    name: String,
}

#[coalesce(key = "name")]
async fn by_str(name: &str, gate: Gate, runs: Arc<AtomicUsize>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    name.to_uppercase()
}

#[coalesce(key = bytes)]
async fn by_bytes(bytes: &[u8], gate: Gate, runs: Arc<AtomicUsize>) -> usize {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    bytes.len()
}

#[coalesce(key = "user")]
async fn by_user(user: &User, gate: Gate, runs: Arc<AtomicUsize>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    format!("{}:{}", user.id, user.name)
}

#[coalesce(key = "(user.name, region)")]
async fn by_tuple(user: &User, region: &str, gate: Gate, runs: Arc<AtomicUsize>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    // The field used in the key was borrowed, not moved.
    format!("{}@{region}", user.name)
}

/// Three concurrent calls; the first two have equal keys built from separate
/// allocations, the third a different key. Returns the body's run count.
macro_rules! runs_for {
    ($call:ident, $equal_a:expr, $equal_b:expr, $different:expr) => {{
        let (open, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
        let a = arrivals.track($call($equal_a, open.clone(), runs.clone()));
        let b = arrivals.track($call($equal_b, open.clone(), runs.clone()));
        let c = arrivals.track($call($different, open.clone(), runs.clone()));
        let release = async {
            within(arrivals.wait_for(3)).await;
            // Opens both running bodies: the shared one and the different one.
            open.open();
        };
        let (a, b, c, ()) = within(async { tokio::join!(a, b, c, release) }).await;
        assert_eq!(a, b);
        assert_ne!(a, c);
        runs.load(Ordering::SeqCst)
    }};
}

#[tokio::test]
async fn str_keys_compare_by_content() {
    let (first, second) = (String::from("ada"), String::from("ada"));
    assert_eq!(runs_for!(by_str, &first, &second, "bob"), 2);
}

#[tokio::test]
async fn byte_slice_keys_compare_by_content() {
    let (first, second) = (vec![1_u8, 2, 3], vec![1_u8, 2, 3]);
    assert_eq!(runs_for!(by_bytes, &first, &second, &[9_u8][..]), 2);
}

#[tokio::test]
async fn borrowed_struct_keys_are_cloned() {
    let ada = User {
        id: 1,
        name: "ada".into(),
    };
    let same = ada.clone();
    let bob = User {
        id: 2,
        name: "bob".into(),
    };
    assert_eq!(runs_for!(by_user, &ada, &same, &bob), 2);
}

#[tokio::test]
async fn tuple_keys_convert_each_element() {
    let ada = User {
        id: 1,
        name: "ada".into(),
    };
    // Same name and region, different id: the key ignores the id.
    let ada_again = User {
        id: 2,
        name: "ada".into(),
    };
    let (open, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let a = arrivals.track(by_tuple(&ada, "eu", open.clone(), runs.clone()));
    let b = arrivals.track(by_tuple(&ada_again, "eu", open.clone(), runs.clone()));
    let c = arrivals.track(by_tuple(&ada, "us", open.clone(), runs.clone()));
    let release = async {
        within(arrivals.wait_for(3)).await;
        open.open();
    };
    let (a, b, c, ()) = within(async { tokio::join!(a, b, c, release) }).await;
    assert_eq!(
        (a.as_str(), b.as_str(), c.as_str()),
        ("ada@eu", "ada@eu", "ada@us")
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

static DEFAULT_RUNS: AtomicUsize = AtomicUsize::new(0);
static DEFAULT_GATE: LazyLock<Gate> = LazyLock::new(Gate::new);

/// No `key`: the key is `(name, region)`, both converted.
#[coalesce]
async fn by_default(name: &str, region: u8) -> String {
    DEFAULT_RUNS.fetch_add(1, Ordering::SeqCst);
    DEFAULT_GATE.wait().await;
    format!("{name}{region}")
}

#[tokio::test]
async fn the_default_key_is_every_argument() {
    let arrivals = Arrivals::new();
    let a = arrivals.track(by_default("x", 1));
    let b = arrivals.track(by_default("x", 1));
    let c = arrivals.track(by_default("x", 2));
    let release = async {
        within(arrivals.wait_for(3)).await;
        DEFAULT_GATE.open();
    };
    let (a, b, c, ()) = within(async { tokio::join!(a, b, c, release) }).await;
    assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("x1", "x1", "x2"));
    assert_eq!(DEFAULT_RUNS.load(Ordering::SeqCst), 2);
}
