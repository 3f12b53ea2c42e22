//! Gates for the behaviour tests: events are ordered by signals, never by
//! sleeping, and every wait is bounded so a hang fails instead of stalling.

#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};

/// How long any single wait may take before the test fails.
const LIMIT: Duration = Duration::from_secs(10);

/// Awaits `fut`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<F: Future>(fut: F) -> F::Output {
    match tokio::time::timeout(LIMIT, fut).await {
        Ok(output) => output,
        Err(_) => panic!("timed out: a coalesced call hung"),
    }
}

/// A gate a body waits on; opening it before the body arrives is kept.
pub fn gate() -> Arc<Notify> {
    Arc::new(Notify::new())
}

/// `fut`, plus a receiver that fires once `fut` has been polled once: a
/// coalesced call has joined or opened its flight by then.
pub fn polled<F: Future>(fut: F) -> (FirstPoll<F>, oneshot::Receiver<()>) {
    let (sender, receiver) = oneshot::channel();
    let fut = FirstPoll {
        inner: Box::pin(fut),
        signal: Some(sender),
    };
    (fut, receiver)
}

pub struct FirstPoll<F> {
    inner: Pin<Box<F>>,
    signal: Option<oneshot::Sender<()>>,
}

impl<F: Future> Future for FirstPoll<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let poll = self.inner.as_mut().poll(cx);
        if let Some(signal) = self.signal.take() {
            let _ = signal.send(());
        }
        poll
    }
}

/// Waits until every receiver has fired.
pub async fn all_polled(receivers: Vec<oneshot::Receiver<()>>) {
    for receiver in receivers {
        within(receiver)
            .await
            .expect("a polled future was dropped first");
    }
}
