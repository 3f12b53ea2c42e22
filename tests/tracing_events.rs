//! The `tracing` feature: debug events under the target `coalesce` when a
//! flight shares its value, when a follower is promoted and when a body
//! panics, named after the function, with the key's `Debug` form (written
//! once, not escaped twice) unless `log_key = false` says otherwise.
//! `coalesce::log_keys`, the process-wide default, is tested in
//! `tracing_log_keys.rs`, its own process.

#![cfg(feature = "tracing")]

mod support;

use std::future::{pending, Future};
use std::io;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use coalesce::{coalesce, Group};

use support::recorder::{Email, Recorder, EMAIL_DEBUGS};
use support::{within, yield_once, Gate};

#[coalesce(key = "id")]
async fn find(id: u32, gate: Gate) -> u32 {
    gate.wait().await;
    id * 10
}

#[coalesce(key = "email")]
async fn lookup(email: &str, gate: Gate) -> usize {
    gate.wait().await;
    email.len()
}

#[coalesce(key = "email", log_key = false)]
async fn unlogged(email: &Email, gate: Gate) -> usize {
    gate.wait().await;
    email.0.len()
}

/// Runs `call` `callers` times concurrently in one task, all waiting on one
/// gate that opens once every call has been polled (and so has joined).
async fn together<F, T>(callers: usize, call: impl Fn(Gate) -> F) -> Vec<T>
where
    F: Future<Output = T>,
{
    let gate = Gate::new();
    let calls = futures::future::join_all((0..callers).map(|_| call(gate.clone())));
    let open = async {
        yield_once().await;
        gate.open();
    };
    within(async { tokio::join!(calls, open).0 }).await
}

#[tokio::test]
async fn a_shared_flight_is_one_event_with_its_function_key_and_callers() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let values = together(3, |gate| find(7, gate)).await;
    assert_eq!(values, [70, 70, 70]);
    let events = recorder.events();
    assert_eq!(
        events,
        [
            "target=coalesce message=one execution shared by several callers \
             function=\"tracing_events::find\" key=7 callers=3"
        ]
    );
}

#[tokio::test]
async fn a_call_alone_sends_no_event() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    assert_eq!(together(1, |gate| find(8, gate)).await, [80]);
    assert_eq!(recorder.events(), Vec::<String>::new());
}

#[tokio::test]
async fn a_string_key_is_escaped_once() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    together(2, |gate| lookup("a@b.c", gate)).await;
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].contains(r#" key="a@b.c" "#), "{events:?}");
}

/// What the `fmt` subscriber prints, the form users read in their logs.
#[tokio::test]
async fn the_fmt_subscriber_prints_the_key_as_its_debug_form() {
    let output = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let output = Arc::clone(&output);
        move || Buffer(Arc::clone(&output))
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .without_time()
        .with_writer(writer)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    together(2, |gate| lookup("a@b.c", gate)).await;
    let output = String::from_utf8(output.lock().unwrap().clone()).unwrap();
    println!("{output}");
    assert_eq!(
        output.trim_end(),
        "DEBUG coalesce: one execution shared by several callers \
         function=\"tracing_events::lookup\" key=\"a@b.c\" callers=2"
    );
}

struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The only test of this process that formats an `Email`, so the count is
/// its own.
#[tokio::test]
async fn log_key_false_leaves_the_key_out_and_never_formats_it() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let email = Email("a@b.c");
    let values = together(2, |gate| unlogged(&email, gate)).await;
    assert_eq!(values, [5, 5]);
    let events = recorder.events();
    assert_eq!(
        events,
        [
            "target=coalesce message=one execution shared by several callers \
             function=\"tracing_events::unlogged\" callers=2"
        ]
    );
    assert_eq!(EMAIL_DEBUGS.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_promotion_and_a_panic_are_reported() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let group: Group<u8, u8> = Group::new();
    let cancel = Gate::new();
    let leader = async {
        tokio::select! {
            _ = group.run(1, pending::<u8>()) => unreachable!("never finishes"),
            () = cancel.wait() => {}
        }
    };
    let follower = group.run(1, async { 2 });
    let trigger = async {
        yield_once().await;
        cancel.open();
    };
    let ((), promoted, ()) = within(async { tokio::join!(leader, follower, trigger) }).await;
    assert_eq!(promoted, 2);

    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(
        group.run(3, async { panic!("traced panic") }),
    ))
    .await;
    assert!(outcome.is_err());

    // A plain `Group` has no name and never logs its keys.
    assert_eq!(
        recorder.events(),
        [
            "target=coalesce message=leader dropped; this caller now runs its own body \
             for the others function=\"Group\"",
            "target=coalesce message=the body panicked; every follower panics too \
             function=\"Group\" panic=\"traced panic\"",
        ]
    );
}
