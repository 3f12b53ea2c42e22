//! Gates and counters that order events in tests without sleeping.

#![allow(dead_code)]

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::{watch, Notify};

pub mod recorder;
pub mod redis_server;

/// Long enough for a loaded CI machine, short enough that a hang fails the run.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test if it does not finish before [`DEADLINE`].
pub async fn within<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(DEADLINE, fut)
        .await
        .expect("a coalesced call hung past the test deadline")
}

/// Runs a future on `futures::executor` in its own thread, failing the test if
/// it does not finish before [`DEADLINE`].
pub fn block_on_within<T, F>(fut: F) -> T
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(futures::executor::block_on(fut));
    });
    finished
        .recv_timeout(DEADLINE)
        .expect("a coalesced call hung past the test deadline")
}

/// Waits, on this thread, until `condition` holds, yielding between checks
/// and failing the test past [`DEADLINE`]. For what only a poll can see: a
/// thread parked in a blocking call shows its registration in the group's
/// counters alone, and there is no gate to wait on from inside a parked call.
pub fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !condition() {
        assert!(start.elapsed() < DEADLINE, "{what} never happened");
        std::thread::yield_now();
    }
}

/// A gate that bodies wait on until the test opens it.
#[derive(Clone)]
pub struct Gate {
    open: Arc<watch::Sender<bool>>,
}

impl Gate {
    pub fn new() -> Self {
        Self {
            open: Arc::new(watch::channel(false).0),
        }
    }

    pub fn open(&self) {
        self.open.send_replace(true);
    }

    pub async fn wait(&self) {
        let mut open = self.open.subscribe();
        open.wait_for(|open| *open)
            .await
            .expect("the gate's sender lives as long as the gate");
    }
}

/// Counts calls that have been polled once, i.e. registered with the group
/// as leader or follower, so a test can wait until all of them have.
#[derive(Clone, Default)]
pub struct Arrivals {
    inner: Arc<(AtomicUsize, Notify)>,
}

impl Arrivals {
    pub fn new() -> Self {
        Self::default()
    }

    /// Wraps a call so that its first poll counts as an arrival.
    pub async fn track<F: Future>(&self, fut: F) -> F::Output {
        let mut fut = pin!(fut);
        let mut first_poll = true;
        poll_fn(|cx| {
            let polled = fut.as_mut().poll(cx);
            if std::mem::take(&mut first_poll) {
                self.inner.0.fetch_add(1, Ordering::SeqCst);
                self.inner.1.notify_waiters();
            }
            polled
        })
        .await
    }

    /// How many calls have registered so far.
    pub fn count(&self) -> usize {
        self.inner.0.load(Ordering::SeqCst)
    }

    /// Waits until `count` calls have registered.
    pub async fn wait_for(&self, count: usize) {
        loop {
            let notified = self.inner.1.notified();
            if self.count() >= count {
                return;
            }
            notified.await;
        }
    }
}

/// Counts how many times a body ran.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn hit(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Sets a flag when dropped: proves a body's future was dropped.
pub struct DropFlag(pub Arc<std::sync::atomic::AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Yields once to the executor, so other futures in a `join!` get polled.
pub async fn yield_once() {
    let mut yielded = false;
    poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

/// A panic's message, when its payload is a string (as `panic!` makes it).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
