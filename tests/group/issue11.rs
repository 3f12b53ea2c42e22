//! Regressions for issue 11: a detached body that panics and whose `Drop`
//! panics too must fail every caller and free its key; `Stats` must not depend
//! on which caller drives a detached body; and promotion after a dropped
//! leader must go to the longest-waiting follower, first in first out.

use std::any::Any;
use std::future::{pending, Future};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use coalesce::Group;
use futures::{poll, FutureExt as _};
use tokio::task::JoinHandle;

use crate::support::{panic_text, within, Arrivals, Gate};

const BODY_PANIC: &str = "issue 11: the detached body panicked";
const DROP_PANIC: &str = "issue 11: the detached body's drop panicked";

/// Held with a body: records that the body was dropped, and panics when it
/// is dropped outside an unwind (a drop bomb).
struct DropBomb(Arc<AtomicBool>);

impl Drop for DropBomb {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
        if !std::thread::panicking() {
            panic!("{DROP_PANIC}");
        }
    }
}

/// A body with a drop bomb beside it: the bomb is a field of this wrapper,
/// not a capture of the `async` block, because a panicking `async` block drops
/// its captures while it unwinds, when the bomb stays quiet. Here the bomb
/// goes off when the body is dropped after its panic was caught.
struct Bombed<F> {
    body: Pin<Box<F>>,
    _bomb: DropBomb,
}

impl<F: Future> Future for Bombed<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.body.as_mut().poll(cx)
    }
}

/// A detached body that waits for `gate`, then panics when polled; dropping
/// it afterwards panics again.
fn bombed_body(gate: Gate, dropped: Arc<AtomicBool>) -> impl Future<Output = u8> + Send + 'static {
    Bombed {
        body: Box::pin(async move {
            gate.wait().await;
            panic!("{BODY_PANIC}")
        }),
        _bomb: DropBomb(dropped),
    }
}

/// A caller's panic, or a test failure saying it returned instead.
fn expect_panic<T: std::fmt::Debug>(who: &str, outcome: Result<T, Box<dyn Any + Send>>) -> String {
    match outcome {
        Ok(value) => panic!("the {who} returned {value:?} instead of panicking"),
        Err(payload) => panic_text(&*payload),
    }
}

async fn task_panic(who: &str, call: JoinHandle<u8>) -> String {
    let outcome = within(call).await.map_err(|error| {
        assert!(error.is_panic(), "the {who} was cancelled, not panicked");
        error.into_panic()
    });
    expect_panic(who, outcome)
}

/// Both panic messages say what went wrong: the body's panic or its drop's,
/// as the driver's own payload or repeated in a follower's message.
fn assert_reports_the_failure(who: &str, message: &str) {
    assert!(
        message.contains(BODY_PANIC) || message.contains(DROP_PANIC),
        "the {who} panicked with an unrelated message: {message}"
    );
}

/// A detached body that panics when polled and again when dropped fails
/// every caller (none waits forever), leaves nothing in flight, and the key
/// works again.
#[tokio::test]
async fn a_detached_body_panicking_in_poll_and_in_drop_fails_every_caller() {
    let group = Arc::new(Group::<u8, u8>::new());
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let dropped = Arc::new(AtomicBool::new(false));
    let opener = {
        let (group, arrivals) = (group.clone(), arrivals.clone());
        let body = bombed_body(gate.clone(), dropped.clone());
        tokio::spawn(async move { arrivals.track(group.run_detached(1, body)).await })
    };
    within(arrivals.wait_for(1)).await;
    let follower = {
        let (group, arrivals) = (group.clone(), arrivals.clone());
        tokio::spawn(async move { arrivals.track(group.run_detached(1, async { 7 })).await })
    };
    within(arrivals.wait_for(2)).await;
    gate.open();

    let follower = task_panic("follower", follower).await;
    let opener = task_panic("opener", opener).await;
    assert_reports_the_failure("follower", &follower);
    assert_reports_the_failure("opener", &opener);
    assert!(dropped.load(Ordering::SeqCst), "the body was dropped");
    assert_eq!(group.in_flight(), 0);
    assert_eq!(
        within(group.run(1, async { 9 })).await,
        9,
        "the key works again"
    );
}

/// The same when the follower drives the body: the opener polled it once and
/// is then kept alive without polling. The follower panics, the opener panics
/// when polled again, and the key is free.
#[tokio::test]
async fn a_detached_body_panicking_in_poll_and_in_drop_fails_the_parked_opener() {
    let group = Group::<u8, u8>::new();
    let gate = Gate::new();
    let dropped = Arc::new(AtomicBool::new(false));
    let mut opener = Box::pin(group.run_detached(1, bombed_body(gate.clone(), dropped.clone())));
    assert!(
        poll!(opener.as_mut()).is_pending(),
        "the opener opens the flight and polls the body up to its gate"
    );
    let mut follower = Box::pin(group.run_detached(1, async { 7 }));
    assert!(poll!(follower.as_mut()).is_pending(), "the follower joins");
    gate.open();

    // The opener is not polled: the follower drives the body into its panic.
    let follower = expect_panic(
        "follower",
        within(AssertUnwindSafe(follower.as_mut()).catch_unwind()).await,
    );
    assert_reports_the_failure("follower", &follower);
    let opener = expect_panic(
        "opener",
        within(AssertUnwindSafe(opener.as_mut()).catch_unwind()).await,
    );
    assert_reports_the_failure("opener", &opener);
    assert!(dropped.load(Ordering::SeqCst), "the body was dropped");
    assert_eq!(group.in_flight(), 0);
    assert_eq!(
        within(group.run(1, async { 9 })).await,
        9,
        "the key works again"
    );
}

/// `(calls, executions, joined)` and both values after a detached flight
/// with an opener and one follower, where the follower or the opener polls
/// the body to its end.
async fn detached_pair(follower_drives: bool) -> ((u64, u64, u64), u8, u8) {
    let group: Group<u8, u8> = Group::new();
    let gate = Gate::new();
    let body = {
        let gate = gate.clone();
        async move {
            gate.wait().await;
            5
        }
    };
    let mut opener = Box::pin(group.run_detached(1, body));
    assert!(poll!(opener.as_mut()).is_pending(), "the opener opens");
    let mut follower = Box::pin(group.run_detached(1, async { 6 }));
    assert!(poll!(follower.as_mut()).is_pending(), "the follower joins");
    gate.open();
    let (opened, followed) = if follower_drives {
        let followed = within(follower.as_mut()).await;
        (within(opener.as_mut()).await, followed)
    } else {
        let opened = within(opener.as_mut()).await;
        (opened, within(follower.as_mut()).await)
    };
    let stats = group.stats();
    (
        (stats.calls, stats.executions, stats.joined),
        opened,
        followed,
    )
}

/// The stats of a detached flight do not depend on who drives its body: one
/// opener and one follower are two calls, one execution and one joined call,
/// whether the opener or the follower polls the body to its end.
#[tokio::test]
async fn detached_stats_do_not_depend_on_who_drives_the_body() {
    let (by_opener, opened, followed) = detached_pair(false).await;
    assert_eq!((opened, followed), (5, 5), "the opener drives: both get 5");
    assert_eq!(
        by_opener,
        (2, 1, 1),
        "(calls, executions, joined) when the opener drives"
    );

    let (by_follower, opened, followed) = detached_pair(true).await;
    assert_eq!(
        (opened, followed),
        (5, 5),
        "the follower drives: both get 5"
    );
    assert_eq!(
        by_follower,
        (2, 1, 1),
        "(calls, executions, joined) when the follower drives"
    );
}

type Ran = Mutex<Vec<&'static str>>;

/// A call named `name` for key 0 whose body, if it runs, records the name in
/// `ran` and returns it; when `stalls`, it never returns.
fn caller<'a>(
    group: &'a Group<u8, &'static str>,
    ran: &'a Ran,
    name: &'static str,
    stalls: bool,
) -> impl Future<Output = &'static str> + 'a {
    group.run(0, async move {
        ran.lock().unwrap().push(name);
        if stalls {
            pending::<()>().await;
        }
        name
    })
}

/// `caller`, polled once so that it has registered as leader or follower.
async fn registered<'a>(
    group: &'a Group<u8, &'static str>,
    ran: &'a Ran,
    name: &'static str,
    stalls: bool,
) -> Pin<Box<impl Future<Output = &'static str> + 'a>> {
    let mut call = Box::pin(caller(group, ran, name, stalls));
    assert!(poll!(call.as_mut()).is_pending(), "{name} waits or runs");
    call
}

/// Promotion is first in first out: when the leader is dropped, the
/// longest-waiting follower (B) runs its own body, not one that registered
/// after another follower (A) left and freed its place (C).
#[tokio::test]
async fn promotion_skips_a_departed_follower_for_the_next_oldest() {
    let group = Group::new();
    let ran = Ran::default();
    let leader = registered(&group, &ran, "L", true).await;
    let a = registered(&group, &ran, "A", false).await;
    let b = registered(&group, &ran, "B", false).await;
    drop(a);
    let c = registered(&group, &ran, "C", false).await;

    drop(leader);
    let (b, c) = within(async { tokio::join!(b, c) }).await;
    assert_eq!(
        *ran.lock().unwrap(),
        ["L", "B"],
        "B waited longest and is promoted, not C"
    );
    assert_eq!((b, c), ("B", "B"), "C gets B's value");
    assert_eq!(group.in_flight(), 0);
}

/// Successive hand-offs keep arrival order: L, A, B, C register; L is
/// dropped and A leads; D arrives; A is dropped and B leads (not C, nor D,
/// which arrived last); B's value reaches C and D.
#[tokio::test]
async fn successive_promotions_follow_arrival_order() {
    let group = Group::new();
    let ran = Ran::default();
    let leader = registered(&group, &ran, "L", true).await;
    let mut a = registered(&group, &ran, "A", true).await;
    let b = registered(&group, &ran, "B", false).await;
    let c = registered(&group, &ran, "C", false).await;

    drop(leader);
    assert!(poll!(a.as_mut()).is_pending(), "A is promoted and runs");
    assert_eq!(*ran.lock().unwrap(), ["L", "A"], "A took over from L");
    let d = registered(&group, &ran, "D", false).await;

    drop(a);
    let (b, c, d) = within(async { tokio::join!(b, c, d) }).await;
    assert_eq!(
        *ran.lock().unwrap(),
        ["L", "A", "B"],
        "B is next in line after A, not C or D"
    );
    assert_eq!((b, c, d), ("B", "B", "B"), "C and D get B's value");
    assert_eq!(group.in_flight(), 0);
}
