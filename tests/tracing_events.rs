//! The `tracing` feature: debug events when a call joins, when a follower is
//! promoted and when a body panics, named after the function, with the key's
//! `Debug` form when it has one.

#![cfg(feature = "tracing")]

mod support;

use std::fmt::Debug;
use std::future::pending;
use std::sync::{Arc, Mutex};

use coalesce::{coalesce, Group};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use support::{within, yield_once, Gate};

/// Records every event's fields as `name=value` text.
#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.events.lock().unwrap().push(fields.0.join(" "));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[coalesce(key = "id")]
async fn find(id: u32, gate: Gate) -> u32 {
    gate.wait().await;
    id * 10
}

#[tokio::test]
async fn joining_an_annotated_function_names_it_and_its_key() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let gate = Gate::new();
    let open = async {
        yield_once().await;
        gate.open();
    };
    let (a, b, ()) =
        within(async { tokio::join!(find(7, gate.clone()), find(7, gate.clone()), open) }).await;
    assert_eq!((a, b), (70, 70));
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].contains("joined an in-flight execution"),
        "{events:?}"
    );
    assert!(
        events[0].contains("function=tracing_events::find"),
        "{events:?}"
    );
    assert!(events[0].contains("key=7"), "{events:?}");
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

    let events = recorder.events();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(
        events[0].contains("joined") && events[0].contains("function=Group"),
        "{events:?}"
    );
    assert!(events[1].contains("now runs its own body"), "{events:?}");
    assert!(events[2].contains("panic=traced panic"), "{events:?}");
}
