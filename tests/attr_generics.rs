//! Instantiations of a generic function, or of a method on a generic type,
//! have their own maps: equal keys never share across type arguments, impl
//! parameters and const arguments included, and no `'static` bound is needed
//! of parameters that neither the key nor the output contains.

mod support;

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use coalesce::coalesce;
use support::{within, Arrivals, Gate};

/// `T` appears neither in the key nor in the output.
#[coalesce(key = "id")]
async fn load<T: 'static>(id: u64, gate: Gate, runs: Arc<AtomicUsize>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    format!("{id} as {}", std::any::type_name::<T>())
}

struct Store<T> {
    gate: Gate,
    runs: Arc<AtomicUsize>,
    kind: PhantomData<T>,
}

impl<T: Send + Sync + 'static> Store<T> {
    #[coalesce]
    async fn get(&self, id: u64) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.gate.wait().await;
        format!("{id} in {}", std::any::type_name::<T>())
    }
}

#[tokio::test]
async fn generic_fn_instantiations_do_not_share() {
    let (gate, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let a = arrivals.track(load::<u8>(1, gate.clone(), runs.clone()));
    let b = arrivals.track(load::<u16>(1, gate.clone(), runs.clone()));
    let c = arrivals.track(load::<u8>(1, gate.clone(), runs.clone()));
    let release = async {
        within(arrivals.wait_for(3)).await;
        gate.open();
    };
    let (a, b, c, ()) = within(async { tokio::join!(a, b, c, release) }).await;
    assert_eq!(
        (a.as_str(), b.as_str(), c.as_str()),
        ("1 as u8", "1 as u16", "1 as u8")
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn methods_of_different_instantiations_do_not_share() {
    let (gate, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let bytes = Store::<u8> {
        gate: gate.clone(),
        runs: runs.clone(),
        kind: PhantomData,
    };
    let words = Store::<u16> {
        gate: gate.clone(),
        runs: runs.clone(),
        kind: PhantomData,
    };
    let a = arrivals.track(bytes.get(1));
    let b = arrivals.track(words.get(1));
    let release = async {
        within(arrivals.wait_for(2)).await;
        gate.open();
    };
    let (a, b, ()) = within(async { tokio::join!(a, b, release) }).await;
    assert_eq!((a.as_str(), b.as_str()), ("1 in u8", "1 in u16"));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// Runs `calls` (each registered once `arrivals` counts it) and opens `gate`
/// once all of them have registered, so they overlap for sure.
async fn overlapping<F: std::future::Future>(
    arrivals: &Arrivals,
    gate: &Gate,
    count: usize,
    calls: F,
) -> F::Output {
    let release = async {
        within(arrivals.wait_for(count)).await;
        gate.open();
    };
    within(async { tokio::join!(calls, release).0 }).await
}

struct Repo<T>(PhantomData<T>);

impl<T> Repo<T> {
    /// No receiver and no `T` in the signature: only the impl tells
    /// `Repo<u8>::load` from `Repo<String>::load`.
    #[coalesce(key = "id")]
    async fn load(id: u64, gate: Gate, runs: Arc<AtomicUsize>) -> String {
        runs.fetch_add(1, Ordering::SeqCst);
        gate.wait().await;
        format!("{id} from {}", std::any::type_name::<T>())
    }
}

#[tokio::test]
async fn methods_without_receiver_of_a_generic_impl_do_not_share() {
    let (gate, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let bytes = arrivals.track(Repo::<u8>::load(1, gate.clone(), runs.clone()));
    let text = arrivals.track(Repo::<String>::load(1, gate.clone(), runs.clone()));
    let (bytes, text) = overlapping(&arrivals, &gate, 2, async { tokio::join!(bytes, text) }).await;
    assert_eq!(bytes, "1 from u8");
    assert_eq!(text, format!("1 from {}", std::any::type_name::<String>()));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// `T` is not `'static` (here a borrowed `&str`), and needs no bound.
#[coalesce(key = "id")]
async fn label<T: std::fmt::Display + Send + Sync>(
    id: u64,
    value: T,
    gate: Gate,
    runs: Arc<AtomicUsize>,
) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    format!("{id}: {value}")
}

#[tokio::test]
async fn a_generic_parameter_that_borrows_coalesces_per_instantiation() {
    let (gate, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let (first, second) = (String::from("first"), String::from("second"));
    let a = arrivals.track(label(1, first.as_str(), gate.clone(), runs.clone()));
    let b = arrivals.track(label(1, second.as_str(), gate.clone(), runs.clone()));
    let c = arrivals.track(label(1, 7_u8, gate.clone(), runs.clone()));
    let (a, b, c) = overlapping(&arrivals, &gate, 3, async { tokio::join!(a, b, c) }).await;
    // `a` and `b` are one instantiation (`&str`) and share; `c` (`u8`) runs alone.
    assert_eq!(
        (a.as_str(), b.as_str(), c.as_str()),
        ("1: first", "1: first", "1: 7")
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// A receiver on a type that borrows, and an `impl Trait` argument that
/// borrows too: neither needs `'static`.
struct Prefixed<'a> {
    prefix: &'a str,
    runs: &'a AtomicUsize,
}

impl Prefixed<'_> {
    #[coalesce(key = "id")]
    async fn find(&self, id: u64, gate: Gate, suffix: impl Fn() -> String + Send) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        gate.wait().await;
        format!("{}{id}{}", self.prefix, suffix())
    }
}

#[tokio::test]
async fn a_borrowing_receiver_and_a_borrowing_impl_trait_coalesce() {
    let (gate, arrivals, runs) = (Gate::new(), Arrivals::new(), AtomicUsize::new(0));
    let prefix = String::from("user ");
    let end = String::from("!");
    let suffix = || end.clone();
    let repo = Prefixed {
        prefix: &prefix,
        runs: &runs,
    };
    let a = arrivals.track(repo.find(3, gate.clone(), suffix));
    let b = arrivals.track(repo.find(3, gate.clone(), suffix));
    let (a, b) = overlapping(&arrivals, &gate, 2, async { tokio::join!(a, b) }).await;
    assert_eq!((a.as_str(), b.as_str()), ("user 3!", "user 3!"));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// Const generics are instantiations too.
#[coalesce(key = "id")]
async fn scaled<const N: u64>(id: u64, gate: Gate, runs: Arc<AtomicUsize>) -> u64 {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.wait().await;
    id * N
}

#[tokio::test]
async fn const_generic_instantiations_do_not_share() {
    let (gate, runs, arrivals) = (Gate::new(), Arc::new(AtomicUsize::new(0)), Arrivals::new());
    let a = arrivals.track(scaled::<2>(5, gate.clone(), runs.clone()));
    let b = arrivals.track(scaled::<3>(5, gate.clone(), runs.clone()));
    let c = arrivals.track(scaled::<2>(5, gate.clone(), runs.clone()));
    let (a, b, c) = overlapping(&arrivals, &gate, 3, async { tokio::join!(a, b, c) }).await;
    assert_eq!((a, b, c), (10, 15, 10));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}
