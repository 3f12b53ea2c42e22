//! loom models of the runtime core: every interleaving of two callers (up to
//! a preemption bound) around completion, cancellation, `forget` and panics.
//! A lost wake-up shows up as a deadlock, which loom reports.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p coalesce-runtime --test loom --release`

#![cfg(loom)]

use std::future::{pending, poll_fn, Future};
use std::panic::{self, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use coalesce_runtime::Group;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

fn model(scenario: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(scenario);
}

/// Pending once, after asking to be polled again: a body briefly in flight.
async fn yield_once() {
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

/// Polls `fut` once, so a call registers as leader or follower.
fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn leader_and_follower_both_get_the_value() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let call = |group: Arc<Group<u8, u8>>, runs: Arc<AtomicUsize>| {
            block_on(async move {
                group
                    .run(1, async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        yield_once().await;
                        7
                    })
                    .await
            })
        };
        let other = thread::spawn({
            let (group, runs) = (group.clone(), runs.clone());
            move || call(group, runs)
        });
        assert_eq!(call(group.clone(), runs.clone()), 7);
        assert_eq!(other.join().unwrap(), 7);
        assert!((1..=2).contains(&runs.load(Ordering::SeqCst)));
        assert_eq!(group.in_flight(), 0);
    });
}

#[test]
fn leader_cancelled_while_a_follower_registers() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let cancelled = thread::spawn({
            let group = group.clone();
            move || {
                // Pending as leader or follower, unless the other call finished
                // within this one poll; then dropped either way.
                let mut call = pin!(group.run(1, pending()));
                let _ = poll_once(call.as_mut());
            }
        });
        // Leads, follows and is promoted, or arrives after: always its own value.
        assert_eq!(block_on(group.run(1, async { 2 })), 2);
        cancelled.join().unwrap();
        assert_eq!(group.in_flight(), 0);
    });
}

#[test]
fn last_waiter_dropped_while_a_new_caller_arrives() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let abandoned = thread::spawn({
            let group = group.clone();
            move || {
                let mut leader = Box::pin(group.run(1, pending()));
                let mut follower = Box::pin(group.run(1, pending()));
                let _ = poll_once(leader.as_mut());
                let _ = poll_once(follower.as_mut());
                drop(follower);
                drop(leader);
            }
        });
        // Never joins a dead flight: it gets its own value.
        assert_eq!(block_on(group.run(1, async { 3 })), 3);
        abandoned.join().unwrap();
        assert_eq!(group.in_flight(), 0);
    });
}

#[test]
fn forget_during_completion() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let leader = thread::spawn({
            let group = group.clone();
            move || {
                block_on(group.run(1, async {
                    yield_once().await;
                    1
                }))
            }
        });
        group.forget(&1);
        // Whichever registered first may have led both.
        let value = block_on(group.run(1, async { 2 }));
        assert!(matches!(value, 1 | 2));
        assert!(matches!(leader.join().unwrap(), 1 | 2));
        assert_eq!(group.in_flight(), 0);
    });
}

/// Runs `call`, catching a panic as its message.
fn caught(call: impl Future<Output = u8>) -> Result<u8, String> {
    panic::catch_unwind(AssertUnwindSafe(|| block_on(call))).map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned());
        text.or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

/// Keeps the thousands of expected "model panic" reports out of the output,
/// and still reports any other panic.
fn silence_model_panics() {
    let report = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload.downcast_ref::<&str>().copied();
        let text = text.or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        if !text.is_some_and(|text| text.contains("model panic")) {
            report(info);
        }
    }));
}

#[test]
fn panic_during_completion() {
    silence_model_panics();
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let panicking = thread::spawn({
            let group = group.clone();
            move || {
                caught(group.run(1, async {
                    yield_once().await;
                    panic!("model panic")
                }))
            }
        });
        // Each call either ran (or followed) the calm body, or saw the panic.
        let calm = caught(group.run(1, async { 5 }));
        for outcome in [calm, panicking.join().unwrap()] {
            match outcome {
                Ok(value) => assert_eq!(value, 5),
                Err(message) => assert!(message.contains("model panic"), "{message}"),
            }
        }
        assert_eq!(group.in_flight(), 0);
    });
}

#[test]
fn detached_body_driven_by_two_callers() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let other = thread::spawn({
            let group = group.clone();
            move || {
                block_on(group.run_detached(1, async {
                    yield_once().await;
                    7
                }))
            }
        });
        // The body wakes itself while one caller may hold it: nobody misses it.
        let value = block_on(group.run_detached(1, async {
            yield_once().await;
            7
        }));
        assert_eq!(value, 7);
        assert_eq!(other.join().unwrap(), 7);
        assert_eq!(group.in_flight(), 0);
    });
}

#[test]
fn detached_opener_dropped_while_a_follower_arrives() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let dropped = thread::spawn({
            let group = group.clone();
            move || {
                let mut call = Box::pin(group.run_detached(1, async {
                    yield_once().await;
                    1
                }));
                let _ = poll_once(call.as_mut());
            }
        });
        // Joined the opener's body (which goes on) or came after it was dropped.
        let value = block_on(group.run_detached(1, async { 2 }));
        assert!(matches!(value, 1 | 2));
        dropped.join().unwrap();
        assert_eq!(group.in_flight(), 0);
    });
}

/// Issue 15: an opener alone parks its body in its entry; a caller who
/// joins takes it over and may finish it before the opener comes back, which
/// then finds the flight in its shard's `away` list. Both get the one value.
#[test]
fn a_parked_opener_is_taken_over_and_comes_back() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let body = |runs: Arc<AtomicUsize>| async move {
            runs.fetch_add(1, Ordering::SeqCst);
            yield_once().await;
            7
        };
        let mut opener = Box::pin(group.run_detached(1, body(runs.clone())));
        assert!(poll_once(opener.as_mut()).is_pending(), "parked alone");
        let joining = thread::spawn({
            let (group, runs) = (group.clone(), runs.clone());
            move || block_on(group.run_detached(1, body(runs)))
        });
        assert_eq!(block_on(opener), 7);
        assert_eq!(joining.join().unwrap(), 7);
        // Twice only when the second call came after the flight ended.
        assert!((1..=2).contains(&runs.load(Ordering::SeqCst)));
        assert_eq!(group.in_flight(), 0);
    });
}

/// A call of `group` for key 1 that owns its handle, to move across threads.
fn owning<F>(group: &Arc<Group<u8, u8>>, fut: F) -> Pin<Box<impl Future<Output = u8> + Send>>
where
    F: Future<Output = u8> + Send + 'static,
{
    let group = group.clone();
    Box::pin(async move { group.run(1, fut).await })
}

/// Panics when dropped outside an unwind: a body whose `Drop` panics too.
struct DropBomb;

impl Drop for DropBomb {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("model panic: drop bomb");
        }
    }
}

/// A detached body that panics when polled, with a drop bomb beside it
/// (a field, so it goes off only if the body is dropped after its panic was
/// caught, outside the unwind).
struct Bombed(DropBomb);

impl Future for Bombed {
    type Output = u8;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u8> {
        panic!("model panic: body")
    }
}

/// Issue 11: whichever caller drives the panicking body, and however the
/// other registers around it, nobody hangs and the key is free afterwards.
#[test]
fn detached_body_panicking_in_poll_and_drop() {
    silence_model_panics();
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let other = thread::spawn({
            let group = group.clone();
            move || caught(group.run_detached(1, Bombed(DropBomb)))
        });
        let mine = caught(group.run_detached(1, Bombed(DropBomb)));
        for outcome in [mine, other.join().unwrap()] {
            let message = outcome.expect_err("a caller of a panicking body returned");
            assert!(message.contains("model panic"), "{message}");
        }
        assert_eq!(group.in_flight(), 0);
        assert_eq!(block_on(group.run(1, async { 9 })), 9);
    });
}

/// Issue 11: a follower leaving while the leader is dropped: the next in
/// line (B) leads, whichever happens first, and runs its own body.
#[test]
fn promotion_while_the_first_follower_leaves() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let mut leader = owning(&group, pending());
        let mut a = owning(&group, async { 1 });
        let mut b = owning(&group, async { 2 });
        assert!(poll_once(leader.as_mut()).is_pending());
        assert!(poll_once(a.as_mut()).is_pending());
        assert!(poll_once(b.as_mut()).is_pending());
        let leaving = thread::spawn(move || drop(a));
        drop(leader);
        leaving.join().unwrap();
        assert_eq!(block_on(b), 2);
        assert_eq!(group.in_flight(), 0);
    });
}

/// A follower polled again from another task (a new waker, cloned outside
/// the flight's lock) while the leader finishes: the value is not missed.
#[test]
fn follower_moves_to_another_task_while_the_leader_finishes() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let mut leader = owning(&group, async {
            yield_once().await;
            4
        });
        let mut follower = owning(&group, async { 5 });
        assert!(poll_once(leader.as_mut()).is_pending());
        assert!(poll_once(follower.as_mut()).is_pending());
        let moved = thread::spawn(move || block_on(follower));
        assert_eq!(block_on(leader), 4);
        assert_eq!(moved.join().unwrap(), 4);
        assert_eq!(group.in_flight(), 0);
    });
}

/// Issue 14: the park/unpark handshake of `run_blocking`. Whichever thread
/// leads, the other parks (or finds the value) and wakes with it; a wake-up
/// between its poll and its park is not lost.
#[test]
fn a_waiting_thread_parks_until_the_value_is_published() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let other = thread::spawn({
            let group = group.clone();
            move || group.run_blocking(1, || 7)
        });
        assert_eq!(group.run_blocking(1, || 7), 7);
        assert_eq!(other.join().unwrap(), 7);
        assert_eq!(group.in_flight(), 0);
    });
}

/// Issue 14: a thread and an async caller of one key: whichever leads, the
/// other gets its value (or runs after it ended), and a parked thread is
/// unparked by the async leader's completion.
#[test]
fn a_thread_and_an_async_caller_share_a_flight() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let task = thread::spawn({
            let group = group.clone();
            move || {
                block_on(group.run(1, async {
                    yield_once().await;
                    4
                }))
            }
        });
        let threaded = group.run_blocking(1, || 5);
        let awaited = task.join().unwrap();
        assert!(matches!((threaded, awaited), (4, 4) | (5, 5) | (5, 4)));
        assert_eq!(group.in_flight(), 0);
    });
}

/// The last caller of a detached flight leaves (and goes on to drop its
/// body) while new callers join and drive the body to its end: the late
/// hand-off must leave the ended flight alone, so the callers still to take
/// its value get it.
#[test]
fn the_last_detached_caller_leaves_while_new_callers_finish_the_body() {
    model(|| {
        let group = Arc::new(Group::<u8, u8>::new());
        let mut opener = Box::pin(detached_call(&group));
        let _ = poll_once(opener.as_mut());
        let leaving = thread::spawn(move || drop(opener));
        let driver = thread::spawn({
            let group = group.clone();
            move || block_on(detached_call(&group))
        });
        assert_eq!(block_on(detached_call(&group)), 3);
        assert_eq!(driver.join().unwrap(), 3);
        leaving.join().unwrap();
        assert_eq!(group.in_flight(), 0);
    });
}

/// A detached call of key 1 whose body yields once, then returns 3.
fn detached_call(group: &Arc<Group<u8, u8>>) -> impl Future<Output = u8> + Send + 'static {
    let group = group.clone();
    async move {
        group
            .run_detached(1, async {
                yield_once().await;
                3
            })
            .await
    }
}
