//! A seeded storm of callers over a few keys: bodies succeed, fail, panic or
//! dawdle; callers are cancelled at random points; keys are forgotten at
//! random; the callers of some keys hand their body to the flight
//! (`run_detached`); some callers are threads (`run_blocking`, on tokio's
//! blocking pool), which join async callers' flights and the reverse.
//! Invariants checked throughout:
//!
//! - per key, never more bodies alive at once than one plus the `forget`s so
//!   far, and never more being polled at once (for detached keys only the
//!   second: an abandoned detached body is dropped just after its entry goes,
//!   but it is never polled again);
//! - every caller that returns got a value from an execution of its own key
//!   that overlapped its call, or the documented panic;
//! - nothing hangs (a global deadline) and the map ends empty.
//!
//! The seed is printed; `COALESCE_STRESS_SEED=<seed>` replays a run (exactly
//! on the current-thread runtime), `COALESCE_STRESS_CALLERS=<n>` makes a soak.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use coalesce::Group;
use futures::future::{select, Either};

use crate::support::{panic_text, within};

const KEYS: usize = 6;
/// Keys from here on are called with `run_detached`.
const FIRST_DETACHED_KEY: usize = 4;

/// xorshift64*: small, seedable, good enough to shuffle plans.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Value,
    Error,
    Panic,
}

#[derive(Clone, Copy)]
struct Plan {
    key: usize,
    body_yields: u64,
    outcome: Outcome,
    /// Cancel the call after this many yields of the caller.
    cancel_after: Option<u64>,
    forget_first: bool,
    /// Call `run_blocking` from a thread (never cancelled: threads cannot be).
    blocking: bool,
}

impl Plan {
    /// Call `run_detached` (the flight owns the body) instead of `run`.
    fn detached(&self) -> bool {
        self.key >= FIRST_DETACHED_KEY
    }
}

impl Plan {
    fn random(rng: &mut Rng) -> Self {
        let blocking = rng.below(8) == 0;
        Self {
            blocking,
            key: rng.below(KEYS as u64) as usize,
            body_yields: rng.below(30),
            outcome: match rng.below(10) {
                0 => Outcome::Panic,
                1 | 2 => Outcome::Error,
                _ => Outcome::Value,
            },
            cancel_after: (!blocking && rng.below(4) == 0).then(|| rng.below(20)),
            forget_first: rng.below(25) == 0,
        }
    }
}

struct Execution {
    key: usize,
    start: u64,
    end: Option<u64>,
}

#[derive(Default)]
struct Ledger {
    clock: AtomicU64,
    executions: Mutex<Vec<Execution>>,
    running: [AtomicUsize; KEYS],
    polling: [AtomicUsize; KEYS],
    forgets: [AtomicUsize; KEYS],
}

impl Ledger {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }

    fn start(&self, key: usize) -> usize {
        let forgets = self.forgets[key].load(Ordering::SeqCst);
        let running = self.running[key].fetch_add(1, Ordering::SeqCst) + 1;
        assert!(
            key >= FIRST_DETACHED_KEY || running <= 1 + forgets,
            "key {key}: {running} executions at once after {forgets} forgets"
        );
        let mut executions = self.executions.lock().unwrap();
        executions.push(Execution {
            key,
            start: self.tick(),
            end: None,
        });
        executions.len() - 1
    }

    fn end(&self, execution: usize) {
        self.executions.lock().unwrap()[execution].end = Some(self.tick());
    }

    /// Checks that `execution` could have served a call for `key` that ran
    /// from `called` to `returned`: it started before the call returned, and
    /// the call started before the execution's flight ended. (A body records
    /// its end when it is dropped, which is after its flight left the map; a
    /// follower may return before that.)
    fn check(&self, execution: usize, key: usize, called: u64, returned: u64) {
        let executions = self.executions.lock().unwrap();
        let served = &executions[execution];
        assert_eq!(served.key, key, "a value crossed keys");
        assert!(
            served.start < returned,
            "execution {execution} started after the call returned"
        );
        if let Some(end) = served.end {
            assert!(
                called < end,
                "execution {execution} ({}..{end}) ended before the call started ({called})",
                served.start
            );
        }
    }
}

/// A body as the group sees it. It counts as running from its first poll
/// until it returns, panics or is dropped, checks that no other body of its key is polled at the
/// same time (beyond what `forget`s allow), dawdles `body_yields` polls, and
/// records the end of a finished execution when it is dropped: after its
/// flight left the map, so no caller can join it later.
type Served = Result<usize, usize>;

struct Body {
    ledger: Arc<Ledger>,
    plan: Plan,
    yields_left: u64,
    execution: Option<usize>,
    finished: bool,
}

fn body(ledger: Arc<Ledger>, plan: Plan) -> Body {
    Body {
        ledger,
        plan,
        yields_left: plan.body_yields,
        execution: None,
        finished: false,
    }
}

impl Future for Body {
    type Output = Served;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Served> {
        let key = self.plan.key;
        let ledger = self.ledger.clone();
        let forgets = ledger.forgets[key].load(Ordering::SeqCst);
        let polling = Polling::enter(&ledger.polling[key]);
        assert!(
            polling.now <= 1 + forgets,
            "key {key}: {} bodies polled at once",
            polling.now
        );

        let execution = match self.execution {
            Some(execution) => execution,
            None => {
                let execution = self.ledger.start(key);
                self.execution = Some(execution);
                execution
            }
        };
        if self.yields_left > 0 {
            self.yields_left -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let served = match self.plan.outcome {
            Outcome::Panic => {
                // Its work ends here: the flight fails and a new execution
                // may start before this body is dropped, as the panic unwinds.
                self.finished = true;
                ledger.running[key].fetch_sub(1, Ordering::SeqCst);
                panic!("stress body panicked")
            }
            Outcome::Value => Ok(execution),
            Outcome::Error => Err(execution),
        };
        // Its work is over: it no longer counts as running, but its flight
        // ends only once it is dropped.
        self.finished = true;
        ledger.running[key].fetch_sub(1, Ordering::SeqCst);
        Poll::Ready(served)
    }
}

/// Counts a poll of a body of one key while it lasts.
struct Polling<'a> {
    count: &'a AtomicUsize,
    now: usize,
}

impl<'a> Polling<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        let now = count.fetch_add(1, Ordering::SeqCst) + 1;
        Self { count, now }
    }
}

impl Drop for Polling<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        let Some(execution) = self.execution else {
            return;
        };
        if self.finished {
            self.ledger.end(execution);
        } else {
            self.ledger.running[self.plan.key].fetch_sub(1, Ordering::SeqCst);
        }
    }
}

async fn yields(count: u64) {
    for _ in 0..count {
        tokio::task::yield_now().await;
    }
}

#[derive(Default, Debug)]
struct Tally {
    returned: usize,
    cancelled: usize,
    panicked: usize,
}

/// Forgets the key first when the plan says so; returns the clock at the call.
fn begin(group: &Group<usize, Served>, ledger: &Ledger, plan: Plan) -> u64 {
    if plan.forget_first {
        ledger.forgets[plan.key].fetch_add(1, Ordering::SeqCst);
        group.forget(&plan.key);
    }
    ledger.tick()
}

/// One async caller; `false` when it was cancelled.
async fn call_from_a_task(group: &Group<usize, Served>, ledger: &Arc<Ledger>, plan: Plan) -> bool {
    let called = begin(group, ledger, plan);
    let body = body(ledger.clone(), plan);
    let call: Pin<Box<dyn Future<Output = Served> + Send + '_>> = if plan.detached() {
        Box::pin(group.run_detached(plan.key, body))
    } else {
        Box::pin(group.run(plan.key, body))
    };
    let served = match plan.cancel_after {
        None => Some(call.await),
        Some(count) => match select(call, Box::pin(yields(count))).await {
            Either::Left((served, _)) => Some(served),
            Either::Right(((), _)) => None,
        },
    };
    if let Some(Ok(execution) | Err(execution)) = served {
        ledger.check(execution, plan.key, called, ledger.tick());
    }
    served.is_some()
}

/// One caller on a thread: its body, if it leads, runs to completion there.
fn call_from_a_thread(group: &Group<usize, Served>, ledger: &Arc<Ledger>, plan: Plan) -> bool {
    let called = begin(group, ledger, plan);
    // Borrowed by the closure, so that it is dropped (and records its end)
    // after its flight ended, as an async caller's body is.
    let mut body = body(ledger.clone(), plan);
    let (Ok(execution) | Err(execution)) =
        group.run_blocking(plan.key, || futures::executor::block_on(&mut body));
    ledger.check(execution, plan.key, called, ledger.tick());
    drop(body);
    true
}

async fn storm(seed: u64, callers: usize) -> Tally {
    let mut rng = Rng(seed | 1);
    let group: Arc<Group<usize, Served>> = Arc::new(Group::new());
    let ledger = Arc::new(Ledger::default());
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let plan = Plan::random(&mut rng);
            let (group, ledger) = (group.clone(), ledger.clone());
            if plan.blocking {
                tokio::task::spawn_blocking(move || call_from_a_thread(&group, &ledger, plan))
            } else {
                tokio::spawn(async move { call_from_a_task(&group, &ledger, plan).await })
            }
        })
        .collect();

    let mut tally = Tally::default();
    for task in tasks {
        match within(task).await {
            Ok(true) => tally.returned += 1,
            Ok(false) => tally.cancelled += 1,
            Err(error) => {
                let message = panic_text(&*error.into_panic());
                assert!(
                    message.contains("stress body panicked"),
                    "unexpected panic: {message}"
                );
                tally.panicked += 1;
            }
        }
    }
    assert_eq!(group.in_flight(), 0, "the map must end empty");
    tally
}

fn seed() -> u64 {
    std::env::var("COALESCE_STRESS_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
            now.as_secs() ^ u64::from(now.subsec_nanos())
        })
}

fn callers() -> usize {
    std::env::var("COALESCE_STRESS_CALLERS")
        .ok()
        .and_then(|callers| callers.parse().ok())
        .unwrap_or(20_000)
}

/// Keeps the storm's hundreds of expected panics out of the test output;
/// any other panic is still reported by the default hook.
fn silence_expected_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expected = [
                info.payload().downcast_ref::<&str>().copied(),
                info.payload().downcast_ref::<String>().map(String::as_str),
            ]
            .into_iter()
            .flatten()
            .any(|message| message.contains("stress body panicked"));
            if !expected {
                report(info);
            }
        }));
    });
}

fn run_storm(runtime: &tokio::runtime::Runtime, name: &str) {
    let seed = seed();
    eprintln!("{name}: stress seed {seed} (replay with COALESCE_STRESS_SEED={seed})");
    silence_expected_panics();
    let tally = runtime.block_on(storm(seed, callers()));
    eprintln!("{name}: {tally:?}");
    assert!(
        tally.returned > 0 && tally.cancelled > 0 && tally.panicked > 0,
        "{tally:?}"
    );
}

#[test]
fn storm_on_one_thread() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    run_storm(&runtime, "current-thread");
}

#[test]
fn storm_on_two_worker_threads() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    run_storm(&runtime, "multi-thread");
}
