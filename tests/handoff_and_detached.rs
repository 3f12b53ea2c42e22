//! The two modes side by side: hand-off (the default) and `detached`.
//!
//! Hand-off: a dropped leader's body is abandoned and a follower runs its
//! own. `detached`: the body belongs to the flight, goes on for the others,
//! and is dropped only when every caller is gone.

mod support;

use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;

use coalesce::{coalesce, Group};
use support::{panic_text, within, Arrivals, DropFlag, Gate};
use tokio::task::JoinHandle;

/// Each body counts its start in `starts`, waits for `work`, and returns the
/// number of the caller whose body it is.
#[coalesce(key = "id")]
async fn handoff_work(id: u32, caller: u32, work: Gate, starts: Arrivals) -> u32 {
    starts.track(async {}).await;
    work.wait().await;
    caller
}

#[coalesce(key = "id", detached)]
async fn detached_work(id: u32, caller: u32, work: Gate, starts: Arrivals) -> u32 {
    starts.track(async {}).await;
    work.wait().await;
    caller
}

/// A spawned caller that gives up when its `cancel` gate opens, like a
/// caller whose timeout is shorter than the work.
struct Caller {
    task: JoinHandle<Option<u32>>,
    cancel: Gate,
}

impl Caller {
    async fn arrive(call: impl Future<Output = u32> + Send + 'static, arrivals: &Arrivals) -> Self {
        let (cancel, tracker) = (Gate::new(), arrivals.clone());
        let registered = arrivals.count();
        let gave_up = cancel.clone();
        let task = tokio::spawn(async move {
            tokio::select! {
                value = tracker.track(call) => Some(value),
                () = gave_up.wait() => None,
            }
        });
        within(arrivals.wait_for(registered + 1)).await;
        Self { task, cancel }
    }

    async fn give_up(self) {
        self.cancel.open();
        assert_eq!(within(self.task).await.unwrap(), None);
    }

    async fn value(self) -> Option<u32> {
        within(self.task).await.unwrap()
    }
}

/// Callers keep arriving and giving up before the work is done; then the
/// work finishes while callers 3 and 4 still wait. Returns their values and
/// how many bodies started.
async fn impatient_callers(detached: bool, id: u32) -> (Option<u32>, Option<u32>, usize) {
    let (work, starts, arrivals) = (Gate::new(), Arrivals::new(), Arrivals::new());
    let call = |caller| {
        let (work, starts) = (work.clone(), starts.clone());
        async move {
            if detached {
                detached_work(id, caller, work, starts).await
            } else {
                handoff_work(id, caller, work, starts).await
            }
        }
    };
    // With hand-off each promotion starts a body: wait for it before moving on.
    let started = |handoff_count: usize| if detached { 1 } else { handoff_count };

    let first = Caller::arrive(call(1), &arrivals).await;
    within(starts.wait_for(1)).await;
    let second = Caller::arrive(call(2), &arrivals).await;
    first.give_up().await;
    within(starts.wait_for(started(2))).await;
    let third = Caller::arrive(call(3), &arrivals).await;
    second.give_up().await;
    within(starts.wait_for(started(3))).await;
    let fourth = Caller::arrive(call(4), &arrivals).await;

    work.open();
    (third.value().await, fourth.value().await, starts.count())
}

#[tokio::test]
async fn with_impatient_callers_handoff_restarts_the_work_at_each_promotion() {
    let (third, fourth, starts) = impatient_callers(false, 1).await;
    assert_eq!(
        (third, fourth),
        (Some(3), Some(3)),
        "the third caller's own body"
    );
    assert_eq!(starts, 3);
}

#[tokio::test]
async fn with_impatient_callers_detached_runs_the_work_once() {
    let (third, fourth, starts) = impatient_callers(true, 2).await;
    assert_eq!(
        (third, fourth),
        (Some(1), Some(1)),
        "the first caller's body, finished for the others"
    );
    assert_eq!(starts, 1);
}

#[tokio::test]
async fn detached_a_leader_held_without_polling_does_not_stall_followers() {
    let (work, starts, arrivals) = (Gate::new(), Arrivals::new(), Arrivals::new());
    let mut parked = Box::pin(detached_work(3, 1, work.clone(), starts.clone()));
    // Polled once, so it opened the flight and started the body; then parked.
    poll_fn(|cx| {
        assert!(parked.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    let follower =
        Caller::arrive(detached_work(3, 2, work.clone(), starts.clone()), &arrivals).await;

    work.open();
    assert_eq!(follower.value().await, Some(1), "driven by the follower");
    assert_eq!(starts.count(), 1);
    drop(parked);
}

#[tokio::test]
async fn detached_the_last_caller_gone_drops_the_body_and_the_entry() {
    static GROUP: Group<u32, u32> = Group::new();
    let (dropped, arrivals) = (Arc::new(AtomicBool::new(false)), Arrivals::new());
    let body = {
        let guard = DropFlag(dropped.clone());
        async move {
            let _guard = guard;
            std::future::pending::<u32>().await
        }
    };
    let first = Caller::arrive(GROUP.run_detached(4, body), &arrivals).await;
    let second = Caller::arrive(GROUP.run_detached(4, async { 0 }), &arrivals).await;

    first.give_up().await;
    assert!(
        !dropped.load(Ordering::SeqCst),
        "the body goes on for the second caller"
    );
    assert!(GROUP.is_in_flight(&4));
    second.give_up().await;
    assert!(
        dropped.load(Ordering::SeqCst),
        "the body is dropped with its last caller"
    );
    assert_eq!(GROUP.in_flight(), 0);
    assert_eq!(
        within(GROUP.run_detached(4, async { 5 })).await,
        5,
        "the next call is fresh"
    );
}

#[tokio::test]
async fn detached_a_panic_reaches_every_caller() {
    let group = Arc::new(Group::<u32, u32>::new());
    let (work, arrivals) = (Gate::new(), Arrivals::new());
    let call = |group: Arc<Group<u32, u32>>, work: Gate| async move {
        group
            .run_detached(5, async move {
                work.wait().await;
                panic!("detached body panicked")
            })
            .await
    };
    let first = Caller::arrive(call(group.clone(), work.clone()), &arrivals).await;
    let second = Caller::arrive(call(group.clone(), work.clone()), &arrivals).await;
    work.open();
    for caller in [first, second] {
        let message = panic_text(&*within(caller.task).await.unwrap_err().into_panic());
        assert!(message.contains("detached body panicked"), "{message}");
    }
    assert_eq!(group.in_flight(), 0);
    let stats = group.stats();
    assert_eq!((stats.executions, stats.panics), (1, 1));
}

#[tokio::test]
async fn detached_the_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let call = detached_work(6, 1, Gate::new(), Arrivals::new());
    assert_send(&call);
    drop(call);
    let work = Gate::new();
    work.open();
    let value = tokio::spawn(detached_work(6, 1, work, Arrivals::new()));
    assert_eq!(within(value).await.unwrap(), 1);
}
