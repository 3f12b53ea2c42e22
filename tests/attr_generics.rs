//! Instantiations of a generic function, or of a method on a generic type,
//! have their own maps: equal keys never share across type arguments.

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
