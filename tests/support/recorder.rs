//! A `tracing` subscriber that keeps every event as one line of text, its
//! target first, each field written as the `fmt` subscriber writes it: a
//! string field quoted and escaped (`{:?}`), any other value with `{:?}`
//! (which for a `display(..)` value is its `Display`). It also counts the
//! spans opened, by name, and the ERROR events.

use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records every event, whatever its level, as
/// `target=... message=... name=value ...`, and the name of every span.
#[derive(Clone, Default)]
pub struct Recorder {
    events: Arc<Mutex<Vec<String>>>,
    spans: Arc<Mutex<Vec<&'static str>>>,
    errors: Arc<AtomicUsize>,
}

impl Recorder {
    pub fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// How many spans named `name` were opened.
    pub fn spans(&self, name: &str) -> usize {
        let spans = self.spans.lock().unwrap();
        spans.iter().filter(|span| **span == name).count()
    }

    /// How many ERROR events were recorded.
    pub fn errors(&self) -> usize {
        self.errors.load(Ordering::SeqCst)
    }
}

struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.spans.lock().unwrap().push(span.metadata().name());
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if *event.metadata().level() == Level::ERROR {
            self.errors.fetch_add(1, Ordering::SeqCst);
        }
        let mut fields = Fields(vec![format!("target={}", event.metadata().target())]);
        event.record(&mut fields);
        self.events.lock().unwrap().push(fields.0.join(" "));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// A key whose `Debug` counts its calls, to show when it is never run.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(pub &'static str);

/// How many times an [`Email`] was formatted with `Debug`, in this process.
pub static EMAIL_DEBUGS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        EMAIL_DEBUGS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        f.debug_tuple("Email").field(&self.0).finish()
    }
}
