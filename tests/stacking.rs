//! `#[tracing::instrument]` stacked with `#[coalesce]`, in both orders, as the
//! docs' "Stacking with other attributes" says: above, only the caller that
//! runs the body is in a span and a failure logs once; below, every caller
//! gets its span and logs the failure it received.

mod support;

use std::sync::{Arc, Mutex};

use coalesce::coalesce;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use support::{within, Arrivals, Gate};

/// Counts the spans opened per name and the ERROR events.
#[derive(Clone, Default)]
struct Counts {
    inner: Arc<Mutex<(Vec<&'static str>, usize)>>,
}

impl Counts {
    fn spans(&self, name: &str) -> usize {
        let inner = self.inner.lock().unwrap();
        inner.0.iter().filter(|span| **span == name).count()
    }

    fn errors(&self) -> usize {
        self.inner.lock().unwrap().1
    }
}

impl Subscriber for Counts {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut inner = self.inner.lock().unwrap();
        inner.0.push(span.metadata().name());
        Id::from_u64(inner.0.len() as u64)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if *event.metadata().level() == Level::ERROR {
            self.inner.lock().unwrap().1 += 1;
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

const CALLERS: usize = 5;

/// Runs `CALLERS` concurrent calls under `counts`, all failing, once every
/// one of them has registered, on a current-thread runtime of this thread.
fn stampede<F>(counts: &Counts, call: impl Fn(Gate) -> F)
where
    F: std::future::Future<Output = Result<u64, String>>,
{
    let _default = tracing::subscriber::set_default(counts.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let results = runtime.block_on(within(async {
        let calls = (0..CALLERS).map(|_| arrivals.track(call(gate.clone())));
        let release = async {
            arrivals.wait_for(CALLERS).await;
            gate.open();
        };
        futures::join!(futures::future::join_all(calls), release).0
    }));
    assert!(results.iter().all(Result::is_err));
}

/// Above: `#[instrument]` wraps the body, which only the leader runs.
#[tracing::instrument(err, skip(gate))]
#[coalesce(key = "id")]
async fn instrumented_body(id: u64, gate: Gate) -> Result<u64, String> {
    gate.wait().await;
    Err(format!("query {id} failed"))
}

/// Below: `#[instrument]` wraps the whole coalesced call, every caller's.
#[coalesce(key = "id")]
#[tracing::instrument(err, skip(gate))]
async fn instrumented_call(id: u64, gate: Gate) -> Result<u64, String> {
    gate.wait().await;
    Err(format!("query {id} failed"))
}

#[test]
fn instrument_above_coalesce_spans_and_logs_the_one_execution() {
    let counts = Counts::default();
    stampede(&counts, |gate| instrumented_body(1, gate));
    assert_eq!(counts.spans("instrumented_body"), 1);
    assert_eq!(counts.errors(), 1);
}

#[test]
fn instrument_below_coalesce_spans_and_logs_every_caller() {
    let counts = Counts::default();
    stampede(&counts, |gate| instrumented_call(1, gate));
    assert_eq!(counts.spans("instrumented_call"), CALLERS);
    assert_eq!(counts.errors(), CALLERS);
}
