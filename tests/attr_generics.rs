//! Instantiations of a generic function, or of a method on a generic type,
//! have their own maps: equal keys never share across type arguments.

mod support;

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use coalesce::coalesce;
use support::{all_polled, polled, within};
use tokio::sync::Notify;

/// `T` appears neither in the key nor in the output.
#[coalesce(key = "id")]
async fn load<T: 'static>(id: u64, gate: Arc<Notify>, runs: Arc<AtomicUsize>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    gate.notified().await;
    format!("{id} as {}", std::any::type_name::<T>())
}

struct Store<T> {
    gate: Arc<Notify>,
    runs: Arc<AtomicUsize>,
    kind: PhantomData<T>,
}

impl<T: Send + Sync + 'static> Store<T> {
    #[coalesce]
    async fn get(&self, id: u64) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.gate.notified().await;
        format!("{id} in {}", std::any::type_name::<T>())
    }
}

#[tokio::test]
async fn generic_fn_instantiations_do_not_share() {
    let (gate, runs) = (Arc::new(Notify::new()), Arc::new(AtomicUsize::new(0)));
    let (a, a_polled) = polled(load::<u8>(1, gate.clone(), runs.clone()));
    let (b, b_polled) = polled(load::<u16>(1, gate.clone(), runs.clone()));
    let (c, c_polled) = polled(load::<u8>(1, gate.clone(), runs.clone()));
    let release = async {
        all_polled(vec![a_polled, b_polled, c_polled]).await;
        gate.notify_one();
        gate.notify_one();
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
    let (gate, runs) = (Arc::new(Notify::new()), Arc::new(AtomicUsize::new(0)));
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
    let (a, a_polled) = polled(bytes.get(1));
    let (b, b_polled) = polled(words.get(1));
    let release = async {
        all_polled(vec![a_polled, b_polled]).await;
        gate.notify_one();
        gate.notify_one();
    };
    let (a, b, ()) = within(async { tokio::join!(a, b, release) }).await;
    assert_eq!((a.as_str(), b.as_str()), ("1 in u8", "1 in u16"));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}
