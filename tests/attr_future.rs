//! What an annotated `async fn` returns: the group's future itself (issue
//! 15), yet its arguments live as an `async fn`'s do, until the call ends,
//! and the flight is still joined at first poll. The key is computed when
//! the function is called.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use coalesce::coalesce;
use futures::poll;
use support::{within, DropFlag, Gate};

static KEYS_MADE: AtomicUsize = AtomicUsize::new(0);

/// Counts the keys made from `id`.
fn counted(id: u64) -> u64 {
    KEYS_MADE.fetch_add(1, Ordering::SeqCst);
    id
}

#[coalesce(key = "id")]
async fn guarded(id: u64, _permit: DropFlag, gate: Gate) -> u64 {
    gate.wait().await;
    id
}

#[tokio::test]
async fn an_argument_the_body_does_not_use_lives_until_the_call_ends() {
    let dropped = Arc::new(AtomicBool::new(false));
    let gate = Gate::new();
    let mut call = Box::pin(guarded(1, DropFlag(dropped.clone()), gate.clone()));
    assert!(poll!(call.as_mut()).is_pending());
    assert!(
        !dropped.load(Ordering::SeqCst),
        "dropped while the call runs"
    );
    gate.open();
    assert_eq!(within(call).await, 1);
    assert!(dropped.load(Ordering::SeqCst));
}

#[coalesce(key = "counted(id)")]
async fn keyed(id: u64) -> u64 {
    id
}

#[tokio::test]
async fn the_key_is_made_when_the_function_is_called() {
    let call = keyed(2);
    assert_eq!(KEYS_MADE.load(Ordering::SeqCst), 1);
    assert_eq!(within(call).await, 2);
    assert_eq!(KEYS_MADE.load(Ordering::SeqCst), 1);
}
