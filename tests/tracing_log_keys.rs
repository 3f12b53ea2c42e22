//! `coalesce::log_keys`, the process-wide default of whether events carry
//! keys, and its precedence: a function's `log_key = ..` wins over it. One
//! test in a process of its own, since the default is global.

#![cfg(feature = "tracing")]

mod support;

use std::future::Future;
use std::sync::atomic::Ordering;

use coalesce::coalesce;

use support::recorder::{Email, Recorder, EMAIL_DEBUGS};
use support::{within, yield_once, Gate};

#[coalesce(key = "email")]
async fn by_default(email: &Email, gate: Gate) -> usize {
    gate.wait().await;
    email.0.len()
}

#[coalesce(key = "email", log_key = true)]
async fn always(email: &Email, gate: Gate) -> usize {
    gate.wait().await;
    email.0.len()
}

#[coalesce(key = "email", log_key = false)]
async fn never(email: &Email, gate: Gate) -> usize {
    gate.wait().await;
    email.0.len()
}

/// Two concurrent calls that share one flight; returns the one event it sent.
async fn shared_event<F>(call: impl Fn(Gate) -> F) -> String
where
    F: Future<Output = usize>,
{
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let gate = Gate::new();
    let open = async {
        yield_once().await;
        gate.open();
    };
    let (a, b, ()) =
        within(async { tokio::join!(call(gate.clone()), call(gate.clone()), open) }).await;
    assert_eq!((a, b), (5, 5));
    let mut events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    events.remove(0)
}

#[tokio::test]
async fn log_keys_sets_the_default_and_log_key_wins_over_it() {
    let email = Email("a@b.c");
    let key = r#" key=Email("a@b.c") "#;
    let debugs = || EMAIL_DEBUGS.load(Ordering::SeqCst);

    // Keys are logged until `log_keys(false)`.
    assert!(shared_event(|gate| by_default(&email, gate))
        .await
        .contains(key));

    coalesce::log_keys(false);
    let before = debugs();
    let event = shared_event(|gate| by_default(&email, gate)).await;
    assert!(!event.contains("key="), "{event}");
    assert_eq!(
        debugs(),
        before,
        "the key's `Debug` ran with `log_keys(false)`"
    );
    let event = shared_event(|gate| always(&email, gate)).await;
    assert!(event.contains(key), "`log_key = true` wins: {event}");

    coalesce::log_keys(true);
    assert!(shared_event(|gate| by_default(&email, gate))
        .await
        .contains(key));
    let before = debugs();
    let event = shared_event(|gate| never(&email, gate)).await;
    assert!(!event.contains("key="), "`log_key = false` wins: {event}");
    assert_eq!(
        debugs(),
        before,
        "the key's `Debug` ran with `log_key = false`"
    );
}
