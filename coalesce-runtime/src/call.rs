//! One caller's side of a flight: join at first poll, lead or follow, and
//! clean up on every way out (value, panic, cancellation).

use std::future::Future;
use std::hash::Hash;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::events::Subject;
use crate::flight::{Departure, Flight, FollowerPoll, SharedValue};
use crate::group::Group;
use crate::panic_message::{follower_panic, panic_message};
use crate::sync::Arc;

/// A registered caller. Dropping it before it returned is a cancellation:
/// a leader hands its followers to one of them, a follower just leaves.
pub(crate) struct Call<'g, K, V> {
    group: &'g Group<K, V>,
    flight: Arc<Flight<V>>,
    hash: u64,
    role: Role,
    subject: Subject,
}

enum Role {
    /// Runs its own future; the others wait for it.
    Leader,
    /// Waits in this slot of the flight.
    Follower(usize),
    /// Returned (or panicked): nothing left to clean up.
    Finished,
}

impl<'g, K, V> Call<'g, K, V>
where
    K: Hash + Eq,
    V: Clone,
{
    pub(crate) fn join(group: &'g Group<K, V>, key: K) -> Self {
        let subject = Subject::of(group, &key);
        let joined = group.join(key);
        let (role, unused_key) = match joined.follower {
            Some((slot, key)) => (Role::Follower(slot), Some(key)),
            None => (Role::Leader, None),
        };
        group.counters.called(unused_key.is_none());
        if unused_key.is_some() {
            subject.joined();
        }
        let call = Self {
            group,
            flight: joined.flight,
            hash: joined.hash,
            role,
            subject,
        };
        // Registered first: if this `Drop` panics, dropping `call` deregisters.
        drop(unused_key);
        call
    }

    /// Drives the call: waits as a follower, or polls `fut` when leading.
    /// Returns the value and whether another caller received it too.
    pub(crate) fn poll<F>(&mut self, cx: &mut Context<'_>, mut fut: Pin<&mut F>) -> Poll<(V, bool)>
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
            }
        }
        assert!(
            matches!(self.role, Role::Leader),
            "a coalesced call was polled after it returned"
        );
        match panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(self.finish(value)),
            Err(payload) => {
                self.role = Role::Finished;
                self.group.counters.panicked();
                let message = panic_message(&*payload);
                self.subject.panicked(message.as_deref());
                let removed = self.group.remove(self.hash, &self.flight);
                self.flight.fail(message).wake_all();
                drop(removed);
                panic::resume_unwind(payload)
            }
        }
    }

    fn finish(&mut self, value: V) -> (V, bool) {
        // Out of the map first, so nobody joins a flight that has ended.
        let removed = self.group.remove(self.hash, &self.flight);
        if self.flight.followers() == 0 {
            self.role = Role::Finished;
            drop(removed);
            return (value, false);
        }
        // If `clone` panics the role is still `Leader`, and dropping this call
        // hands the followers to one of them instead of leaving them waiting.
        let shared = SharedValue::new(value.clone());
        self.role = Role::Finished;
        let (wakers, shared_with_others) = self.flight.publish(shared);
        wakers.wake_all();
        drop(removed);
        (value, shared_with_others)
    }
}

impl<K, V> Drop for Call<'_, K, V> {
    fn drop(&mut self) {
        let was_leading = match self.role {
            Role::Finished => false,
            Role::Leader => true,
            Role::Follower(slot) => matches!(self.flight.leave(slot), Departure::WasLeading),
        };
        if was_leading {
            self.group.abandon(self.hash, &self.flight);
        }
    }
}
