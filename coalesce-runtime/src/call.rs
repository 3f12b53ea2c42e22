//! One caller's side of a flight: join at first poll, lead, follow or drive
//! the flight's own body, and clean up on every way out (value, panic,
//! cancellation).

use std::future::Future;
use std::hash::Hash;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::events::Subject;
use crate::flight::{Departure, Flight, FollowerPoll, SharedValue};
use crate::group::{Group, Joined};
use crate::owned::BoxFuture;
use crate::panic_message::{follower_panic, panic_message};
use crate::sync::Arc;

/// A registered caller. Dropping it before it returned is a cancellation:
/// a leader hands its followers to one of them, a follower just leaves (the
/// last caller of a flight that owns its body drops the body).
pub(crate) struct Call<'g, K, V> {
    group: &'g Group<K, V>,
    flight: Arc<Flight<V>>,
    hash: u64,
    role: Role,
    /// This call opened the flight, so its value is not a "joined" one.
    opened: bool,
    subject: Subject,
}

enum Role {
    /// Runs its own future; the others wait for it.
    Leader,
    /// Waits in this slot of the flight, and drives the flight's own body
    /// when it has one that needs polling.
    Follower(usize),
    /// Returned (or panicked): nothing left to clean up.
    Finished,
}

impl<'g, K, V> Call<'g, K, V>
where
    K: Hash + Eq,
    V: Clone,
{
    /// Joins the flight for `key`, or opens one that this call leads.
    pub(crate) fn join(group: &'g Group<K, V>, key: K) -> Self {
        let subject = Subject::of(group, &key);
        Self::registered(group, group.join(key), subject)
    }

    /// Joins the flight for `key`, or opens one that owns `fut`.
    pub(crate) fn join_detached<F>(group: &'g Group<K, V>, key: K, fut: &mut Option<F>) -> Self
    where
        F: Future<Output = V> + Send + 'static,
        V: Send + 'static,
    {
        let subject = Subject::of(group, &key);
        Self::registered(group, group.join_detached(key, fut), subject)
    }

    fn registered(group: &'g Group<K, V>, joined: Joined<K, V>, subject: Subject) -> Self {
        let opened = joined.unused_key.is_none();
        group.counters.called(opened);
        if !opened {
            subject.joined();
        }
        let call = Self {
            group,
            flight: joined.flight,
            hash: joined.hash,
            role: joined.slot.map_or(Role::Leader, Role::Follower),
            opened,
            subject,
        };
        // Registered first: if this `Drop` panics, dropping `call` deregisters.
        drop(joined.unused_key);
        call
    }

    /// Drives the call: waits as a follower (driving the flight's own body
    /// when it has one), or polls `fut` when leading. Returns the value and
    /// whether another caller received it too.
    pub(crate) fn poll<F>(
        &mut self,
        cx: &mut Context<'_>,
        fut: Pin<&mut Option<F>>,
    ) -> Poll<(V, bool)>
    where
        F: Future<Output = V>,
    {
        if let Role::Follower(slot) = self.role {
            match self.flight.poll_follower(slot, cx) {
                FollowerPoll::Waiting => return Poll::Pending,
                FollowerPoll::Promoted => {
                    self.group.counters.promoted();
                    self.subject.promoted();
                    self.role = Role::Leader;
                }
                FollowerPoll::Value(shared) => {
                    self.role = Role::Finished;
                    self.group.counters.joined();
                    return Poll::Ready((shared.into_value(), true));
                }
                FollowerPoll::Panicked(message) => {
                    self.role = Role::Finished;
                    follower_panic(message.as_deref());
                }
                FollowerPoll::Drive(work, waker) => return self.drive(slot, work, &waker),
            }
        }
        assert!(
            matches!(self.role, Role::Leader),
            "a coalesced call was polled after it returned"
        );
        let Some(mut fut) = fut.as_pin_mut() else {
            unreachable!(
                "only the opener of a flight that owns its body has no future, and it never leads"
            )
        };
        match panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                self.role = Role::Finished;
                Poll::Ready(self.finish(value))
            }
            Err(payload) => {
                self.role = Role::Finished;
                self.fail(payload)
            }
        }
    }

    /// Polls the flight's own body once, on behalf of every caller.
    fn drive(&mut self, slot: usize, mut work: BoxFuture<V>, waker: &Waker) -> Poll<(V, bool)> {
        let polled = panic::catch_unwind(AssertUnwindSafe(|| {
            work.as_mut().poll(&mut Context::from_waker(waker))
        }));
        if let Ok(Poll::Pending) = polled {
            self.flight.park(work);
            return Poll::Pending;
        }
        // The body is done: this caller leaves the waiters, and the body is
        // dropped once the flight has ended, as a leader's is.
        self.flight.retire(slot);
        self.role = Role::Finished;
        match polled {
            Ok(Poll::Ready(value)) => {
                if !self.opened {
                    self.group.counters.joined();
                }
                let finished = self.finish(value);
                drop(work);
                Poll::Ready(finished)
            }
            Ok(Poll::Pending) => unreachable!("handled above"),
            Err(payload) => {
                drop(work);
                self.fail(payload)
            }
        }
    }

    /// Shares `value` with the followers. The role is already `Finished`.
    fn finish(&mut self, value: V) -> (V, bool) {
        // Out of the map first, so nobody joins a flight that has ended.
        let removed = self.group.remove(self.hash, &self.flight);
        // Only the map's reference (now in `removed`) and ours: no caller
        // follows this flight, so its lock need not be taken to find out.
        let alone = removed.is_some() && Arc::strong_count(&self.flight) == 2;
        if alone || self.flight.followers() == 0 {
            drop(removed);
            return (value, false);
        }
        let clone_guard = FailIfCloneUnwinds(Some(&self.flight));
        let shared = SharedValue::new(value.clone());
        clone_guard.disarm();
        let (wakers, shared_with_others) = self.flight.publish(shared);
        wakers.wake_all();
        drop(removed);
        (value, shared_with_others)
    }

    /// The body panicked: every follower panics too, and the leader resumes
    /// the original panic. The role is already `Finished`.
    fn fail(&mut self, payload: Box<dyn std::any::Any + Send>) -> ! {
        self.group.counters.panicked();
        let message = panic_message(&*payload);
        self.subject.panicked(message.as_deref());
        let removed = self.group.remove(self.hash, &self.flight);
        self.flight.fail(message).wake_all();
        drop(removed);
        panic::resume_unwind(payload)
    }
}

/// Fails the flight if the value's `Clone` panics while it is being shared,
/// so the followers of a finished body are never left waiting.
struct FailIfCloneUnwinds<'a, V>(Option<&'a Flight<V>>);

impl<V> FailIfCloneUnwinds<'_, V> {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl<V> Drop for FailIfCloneUnwinds<'_, V> {
    fn drop(&mut self) {
        if let Some(flight) = self.0 {
            let message = "the value's `Clone` panicked while it was shared".to_owned();
            flight.fail(Some(message)).wake_all();
        }
    }
}

impl<K, V> Drop for Call<'_, K, V> {
    fn drop(&mut self) {
        let must_hand_off = match self.role {
            Role::Finished => false,
            Role::Leader => true,
            Role::Follower(slot) => matches!(self.flight.leave(slot), Departure::MustHandOff),
        };
        if must_hand_off {
            self.group.abandon(self.hash, &self.flight);
        }
    }
}
