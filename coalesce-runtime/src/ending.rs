//! Ending a flight: sharing the value or failing it, through one guard that
//! fails the flight if it is dropped before either happened, so that no
//! panic or early return leaves followers waiting or the entry in the map.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::task::{Context, Poll, Waker};

use crate::detached::BoxFuture;
use crate::events::Subject;
use crate::flight::{Flight, Share};
use crate::map::{Map, Place, Removed};
use crate::panic_message::panic_message;
use crate::stats::Counters;
use crate::sync::Arc;

/// What followers are told when an armed [`Ending`] is dropped.
const DROPPED_ARMED: &str = "the caller that ran the body panicked before it shared the value";

/// Where a caller sits: its group's parts, its entry, and the flight it
/// joined (`None` for the caller that opened the entry and leads it).
pub(crate) struct Seat<'g, K, V> {
    pub(crate) map: &'g Map<K, V>,
    pub(crate) counters: &'g Counters,
    pub(crate) place: Place,
    pub(crate) flight: Option<Arc<Flight<V>>>,
    pub(crate) subject: Subject,
}

/// The duty to end a flight, held by the caller whose body finished, or by
/// the caller polling a detached body from the moment it takes the body out
/// of the flight. Dropped before the flight ended (an unwind, an early
/// return), it fails the flight.
///
/// What must outlive the flight's end is held here and dropped after it
/// (fields drop after `Drop::drop`): the removed entry, whose key's `Drop` is
/// user code, and a detached body, whose `Drop` may panic.
pub(crate) struct Ending<'a, 'g, K, V> {
    seat: &'a Seat<'g, K, V>,
    /// Fails the flight if dropped; cleared once the flight has ended. A
    /// flag rather than the message itself: a two-word field written as two
    /// stores and then moved as one made every call stall on store forwarding.
    armed: bool,
    removed: Option<Removed<K, V>>,
    body: Option<BoxFuture<V>>,
    /// The caller is the opener of a detached flight, polling its body alone.
    alone: bool,
}

impl<'a, 'g, K, V> Ending<'a, 'g, K, V> {
    /// Armed: the flight fails unless it is finished or failed explicitly.
    pub(crate) fn new(seat: &'a Seat<'g, K, V>) -> Self {
        Self {
            seat,
            armed: true,
            removed: None,
            body: None,
            alone: false,
        }
    }

    /// Armed, holding the detached body a caller took out of the flight.
    pub(crate) fn driving(seat: &'a Seat<'g, K, V>, body: BoxFuture<V>) -> Self {
        let mut ending = Self::new(seat);
        ending.body = Some(body);
        ending
    }

    /// Armed, holding the detached body its opener polls alone.
    pub(crate) fn alone(seat: &'a Seat<'g, K, V>, body: BoxFuture<V>) -> Self {
        let mut ending = Self::driving(seat, body);
        ending.alone = true;
        ending
    }

    /// Polls the detached body once, catching a panic.
    pub(crate) fn poll_body(&mut self, waker: &Waker) -> std::thread::Result<Poll<V>> {
        let Some(body) = &mut self.body else {
            unreachable!("only a driving ending polls a body")
        };
        panic::catch_unwind(AssertUnwindSafe(|| {
            body.as_mut().poll(&mut Context::from_waker(waker))
        }))
    }

    /// The body is pending: it goes back to the flight for the next driver,
    /// and the flight goes on.
    pub(crate) fn park(mut self) {
        self.armed = false;
        if let (Some(body), Some(flight)) = (self.body.take(), &self.seat.flight) {
            flight.park(body);
        }
    }

    /// The body its opener polls alone is pending: it goes back to the map
    /// with the opener's waker, or to the flight of a caller who joined
    /// meanwhile, which is returned.
    pub(crate) fn park_alone(mut self, waker: &Waker) -> Option<Arc<Flight<V>>> {
        self.armed = false;
        let body = self.body.take()?;
        self.seat
            .map
            .park_alone(self.seat.place, body, waker.clone())
    }

    /// The body panicked: every follower panics too, and this caller resumes
    /// the original panic.
    pub(crate) fn fail(mut self, payload: Box<dyn Any + Send>) -> ! {
        self.fail_with(panic_message(&*payload));
        self.armed = false;
        // The key may be dropped now; the body is dropped as the panic
        // unwinds, as a leader's own future is.
        drop(self.removed.take());
        panic::resume_unwind(payload)
    }

    /// Removes the entry and fails the flight, then wakes the followers.
    fn fail_with(&mut self, message: Option<String>) {
        let seat = self.seat;
        if self.removed.is_none() {
            self.removed = seat.map.close(seat.place, self.alone);
        }
        let party = self.removed.as_ref().and_then(Removed::party);
        seat.counters
            .panicked(|| party.map_or(0, |(flight, joined)| flight.followers(joined)));
        seat.subject.panicked(message.as_deref());
        if let Some((flight, _)) = party {
            flight.fail(message).release();
        }
    }
}

impl<K, V: Clone> Ending<'_, '_, K, V> {
    /// Shares `value` with the followers and ends the flight. Returns the
    /// value and whether any follower shares it.
    pub(crate) fn finish(mut self, value: V) -> (V, bool) {
        // Out of the map first, so nobody joins a flight that has ended.
        self.removed = self.seat.map.close(self.seat.place, self.alone);
        let Some((flight, joined)) = self.removed.as_ref().and_then(Removed::party) else {
            // Nobody joined: the flight ends with its entry.
            self.armed = false;
            self.seat.counters.ended(0);
            return (value, false);
        };
        let followers = flight.followers(joined);
        // One share per follower, made before the flight's lock is taken.
        let shares = (0..followers).map(|_| share_of(&value)).collect();
        let delivered = flight.deliver(joined, shares);
        self.armed = false;
        self.seat.counters.ended(followers);
        delivered.ended.release();
        drop(delivered.surplus);
        // After the release: a subscriber that panics here fails nobody.
        self.seat.subject.shared(followers + 1);
        (value, delivered.shared)
    }
}

/// A follower's copy of `value`. A `Clone` that panics fails only the
/// follower the copy was for: the leader and the other followers have theirs.
fn share_of<V: Clone>(value: &V) -> Share<V> {
    panic::catch_unwind(AssertUnwindSafe(|| value.clone())).map_err(|payload| {
        let message = match panic_message(&*payload) {
            Some(message) => format!("the value's `Clone` panicked while it was shared: {message}"),
            None => "the value's `Clone` panicked while it was shared".to_owned(),
        };
        std::sync::Arc::from(message)
    })
}

impl<K, V> Drop for Ending<'_, '_, K, V> {
    fn drop(&mut self) {
        if self.armed {
            self.fail_with(Some(DROPPED_ARMED.to_owned()));
            self.armed = false;
        }
    }
}
