//! What every workload shares: the implementations under test, the bodies
//! they run, and the gate that keeps a flight open until every caller joined.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use futures::future::{BoxFuture, FutureExt as _, Shared};

/// Every implementation under test, one instance per workload. Leaked, so
/// spawned tasks can borrow them as `'static` like a `static` would be.
pub struct Contenders {
    pub group: coalesce::Group<u64, u64>,
    pub singleflight_async: singleflight_async::SingleFlight<u64, u64>,
    pub rs_singleflight: rs_singleflight::Group<u64, u64, Infallible>,
    pub async_singleflight: async_singleflight::UnaryGroup<u64, u64>,
    pub shared_map: SharedMap,
    pub moka: moka::future::Cache<u64, u64>,
}

impl Contenders {
    pub fn leak() -> &'static Self {
        Box::leak(Box::new(Self {
            group: coalesce::Group::new(),
            singleflight_async: singleflight_async::SingleFlight::new(),
            rs_singleflight: rs_singleflight::Group::new(),
            async_singleflight: async_singleflight::UnaryGroup::new(),
            shared_map: SharedMap::default(),
            moka: moka::future::Cache::new(100_000),
        }))
    }
}

/// Expands `$each` once per coalescing implementation, with `$name` bound to
/// its benchmark id, `$call` to a `Copy` closure `(key, arg) -> impl Future`
/// that runs `$body(key, arg)` through it, and `$expected` to the
/// [`Executions`] check a fan-out applies (exactly one per flight for ours).
///
/// moka is not here: it is a cache, so it joins only the workloads where a
/// fresh key per flight makes it comparable.
macro_rules! for_each_coalescer {
    ($all:expr, $body:path, $attr:path, |$name:ident, $call:ident, $expected:ident| $each:expr) => {{
        let all: &'static $crate::common::Contenders = $all;
        {
            let ($name, $expected) = ("coalesce_group", $crate::common::Executions::ExactlyOne);
            let $call = move |key, arg| all.group.run(key, $body(key, arg));
            $each;
        }
        {
            // Detached: the flight owns the (boxed) body.
            let ($name, $expected) = ("coalesce_detached", $crate::common::Executions::ExactlyOne);
            let $call = move |key, arg| all.group.run_detached(key, $body(key, arg));
            $each;
        }
        {
            let ($name, $expected) = ("coalesce_attr", $crate::common::Executions::ExactlyOne);
            let $call = move |key, arg| $attr(key, arg);
            $each;
        }
        {
            let ($name, $expected) = ("singleflight_async", $crate::common::Executions::Counted);
            let $call = move |key, arg| all.singleflight_async.work(key, move || $body(key, arg));
            $each;
        }
        {
            let ($name, $expected) = ("rs_singleflight", $crate::common::Executions::Counted);
            let $call = move |key, arg| async move {
                let value = all.rs_singleflight.do_call(key, move || async move {
                    Ok::<_, ::std::convert::Infallible>($body(key, arg).await)
                });
                match value.await {
                    Ok(value) => value,
                    Err(never) => match never {},
                }
            };
            $each;
        }
        {
            let ($name, $expected) = ("async_singleflight", $crate::common::Executions::Counted);
            let $call = move |key, arg| async move {
                all.async_singleflight.work(&key, $body(key, arg)).await
            };
            $each;
        }
        {
            let ($name, $expected) = ("shared_map", $crate::common::Executions::Counted);
            let $call = move |key, arg| all.shared_map.run(key, $body(key, arg));
            $each;
        }
    }};
}
pub(crate) use for_each_coalescer;

/// The singleflight most codebases write by hand: a locked map of `Shared`
/// boxed futures, whose leader removes its own entry when it completes.
#[derive(Default)]
pub struct SharedMap {
    flights: Mutex<HashMap<u64, Shared<BoxFuture<'static, u64>>>>,
}

impl SharedMap {
    pub async fn run<F>(&'static self, key: u64, fut: F) -> u64
    where
        F: Future<Output = u64> + Send + 'static,
    {
        let flight = self
            .flights
            .lock()
            .unwrap()
            .entry(key)
            .or_insert_with(|| {
                async move {
                    let value = fut.await;
                    self.flights.lock().unwrap().remove(&key);
                    value
                }
                .boxed()
                .shared()
            })
            .clone();
        flight.await
    }
}

/// One flight's worth of callers: the leader's body waits at a gate that the
/// last caller opens once it has joined, so every caller finds the flight in
/// progress, and the executions are counted.
pub struct Round {
    callers: usize,
    arrived: AtomicUsize,
    open: AtomicBool,
    /// Usually one leader (every caller in the in-task floor); more if an
    /// implementation starts extra executions.
    leaders: Mutex<Vec<Waker>>,
    executions: AtomicUsize,
}

impl Round {
    pub fn new(callers: usize) -> Arc<Self> {
        Arc::new(Self {
            callers,
            arrived: AtomicUsize::new(0),
            open: AtomicBool::new(false),
            leaders: Mutex::new(Vec::new()),
            executions: AtomicUsize::new(0),
        })
    }

    pub fn executions(&self) -> usize {
        self.executions.load(Ordering::Acquire)
    }

    fn arrive(&self) {
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.callers {
            self.open.store(true, Ordering::Release);
            let leaders = std::mem::take(&mut *self.leaders.lock().unwrap());
            leaders.into_iter().for_each(Waker::wake);
        }
    }

    async fn wait_open(&self) {
        poll_fn(|cx| {
            if self.open.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            let mut leaders = self.leaders.lock().unwrap();
            // Checked again under the lock `arrive` takes, so no wake is lost.
            if self.open.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            leaders.push(cx.waker().clone());
            Poll::Pending
        })
        .await;
    }
}

/// Polls `fut` once, then counts its caller as arrived: by then the caller
/// has joined (or opened) the flight, whichever implementation it uses.
pub async fn arrive<F: Future>(round: Arc<Round>, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut first = true;
    poll_fn(|cx| {
        let poll = fut.as_mut().poll(cx);
        if std::mem::take(&mut first) {
            round.arrive();
        }
        poll
    })
    .await
}

/// The fan-out body: counts itself and waits until every caller joined.
pub async fn gated(key: u64, round: Arc<Round>) -> u64 {
    round.executions.fetch_add(1, Ordering::AcqRel);
    round.wait_open().await;
    key
}

/// The uncontended body: returns at once.
pub async fn echo(key: u64, (): ()) -> u64 {
    key
}

/// The mixed-workload body: one trip through the scheduler, so flights
/// overlap with other tasks' calls.
pub async fn yielding(key: u64, (): ()) -> u64 {
    tokio::task::yield_now().await;
    key
}

/// Floor of the spawned fan-out: what a caller costs without coalescing.
pub async fn idle(key: u64, _round: Arc<Round>) -> u64 {
    key
}

/// Floor of the in-task fan-out: each caller registers its waker at the gate
/// and is woken once the last one arrived. A follower cannot do less: it is
/// polled to join, registers a waker, is woken, and is polled again.
pub async fn wait_for_all(key: u64, round: Arc<Round>) -> u64 {
    round.wait_open().await;
    key
}

/// What a fan-out checks about the executions it counted.
#[derive(Clone, Copy)]
pub enum Executions {
    /// The floor runs no flights.
    Floor,
    /// Printed: other crates promise no exact count.
    Counted,
    /// Printed, and the run fails unless every flight ran its body once.
    ExactlyOne,
}

/// Executions per flight, summed over every round criterion ran.
#[derive(Default)]
pub struct Tally {
    rounds: usize,
    executions: usize,
}

impl Tally {
    pub fn record(&mut self, round: &Round) {
        self.rounds += 1;
        self.executions += round.executions();
    }

    pub fn report(&self, workload: &str, name: &str, expected: Executions) {
        if let Executions::Floor = expected {
            return;
        }
        println!(
            "{workload}/{name}: {} executions in {} flights",
            self.executions, self.rounds,
        );
        if let Executions::ExactlyOne = expected {
            assert_eq!(
                self.executions, self.rounds,
                "{workload}/{name}: not exactly one execution per flight"
            );
        }
    }
}

/// A deterministic stream of keys in `0..space`, different for every seed.
pub struct Keys {
    state: u64,
    space: u64,
}

impl Keys {
    pub fn new(seed: u64, space: u64) -> Self {
        Self {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            space,
        }
    }
}

impl Iterator for Keys {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        // xorshift64: cheap, and no two tasks walk the keys in step.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        Some(self.state % self.space)
    }
}

pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
}

pub fn two_workers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a two-worker runtime")
}
