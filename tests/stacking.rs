//! `#[tracing::instrument]` stacked with `#[coalesce]`, in both orders, as the
//! docs' "Stacking with other attributes" says: above, only the caller that
//! runs the body is in a span and a failure logs once; below, every caller
//! gets its span and logs the failure it received.

mod support;

use coalesce::coalesce;

use support::recorder::Recorder;
use support::{within, Arrivals, Gate};

const CALLERS: usize = 5;

/// Runs `CALLERS` concurrent calls under `recorder`, all failing, once every
/// one of them has registered, on a current-thread runtime of this thread.
fn stampede<F>(recorder: &Recorder, call: impl Fn(Gate) -> F)
where
    F: std::future::Future<Output = Result<u64, String>>,
{
    let _default = tracing::subscriber::set_default(recorder.clone());
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
    let recorder = Recorder::default();
    stampede(&recorder, |gate| instrumented_body(1, gate));
    assert_eq!(recorder.spans("instrumented_body"), 1);
    assert_eq!(recorder.errors(), 1);
}

#[test]
fn instrument_below_coalesce_spans_and_logs_every_caller() {
    let recorder = Recorder::default();
    stampede(&recorder, |gate| instrumented_call(1, gate));
    assert_eq!(recorder.spans("instrumented_call"), CALLERS);
    assert_eq!(recorder.errors(), CALLERS);
}
