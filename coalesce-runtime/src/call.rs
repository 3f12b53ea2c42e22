//! One caller's side of a flight: join at first poll, then lead, follow, or
//! drive a detached body; on every way out (value, panic, cancellation) leave
//! the flight in a state the others can go on from.

use std::future::Future;
use std::hash::Hash;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::detached::BoxFuture;
use crate::ending::{Ending, Seat};
use crate::events::{Label, Subject};
use crate::flight::Flight;
use crate::flight::{Departure, FollowerPoll};
use crate::map::{Joined, Map, Return, OPENER_SLOT};
use crate::panic_message::follower_panic;
use crate::stats::Counters;
use crate::sync::Arc;

/// The parts of a group a call uses.
pub(crate) struct Parts<'g, K, V> {
    pub(crate) map: &'g Map<K, V>,
    pub(crate) counters: &'g Counters,
    pub(crate) label: Option<&'g Label<K>>,
}

/// A registered caller. Dropping it before it returned is a cancellation:
/// a leader hands its followers to one of them, a follower just leaves (the
/// last caller of a detached flight drops its body).
pub(crate) struct Call<'g, K, V> {
    seat: Seat<'g, K, V>,
    role: Role<V>,
}

enum Role<V> {
    /// Runs its own future; the others wait for it.
    Leader,
    /// Opened a detached flight and polls its body, with its own waker,
    /// while nobody joins: the body is here until the first poll, then
    /// parked in the map between polls so that a caller who joins can take
    /// it over.
    Alone { body: Option<BoxFuture<V>> },
    /// Joined a flight and registers in it at its first poll, with its
    /// arrival number, by which promotion picks the longest waiting.
    Arriving { ticket: usize, opener: bool },
    /// Waits in this slot of the flight it joined, and drives the flight's
    /// detached body when it needs polling. The opener of a detached flight
    /// brought the body: a value it receives is not a "joined" one.
    Waiting { slot: usize, opener: bool },
    /// Returned (or panicked): nothing left to clean up.
    Finished,
}

impl<'g, K, V> Call<'g, K, V>
where
    K: Hash + Eq,
    V: Clone + Send + 'static,
{
    /// Joins the flight for `key`, or opens one that this call leads.
    pub(crate) fn join(parts: Parts<'g, K, V>, key: K) -> Self {
        let subject = Subject::of(parts.label, &key);
        let (joined, unused_key) = parts.map.join(key, false);
        let call = Self::registered(parts, joined, subject, None);
        // Registered first: if this `Drop` panics, dropping `call` deregisters.
        drop(unused_key);
        call
    }

    /// Joins the flight for `key`, or opens a detached one whose body is
    /// `future`. A joining call gets `future` back: should the flight's
    /// leader be dropped, the call may be promoted to run it.
    pub(crate) fn join_detached<F>(parts: Parts<'g, K, V>, key: K, future: F) -> (Self, Option<F>)
    where
        F: Future<Output = V> + Send + 'static,
    {
        let subject = Subject::of(parts.label, &key);
        let (joined, unused_key) = parts.map.join(key, true);
        let (body, future) = match joined {
            Joined::Alone(_) => (Some(Box::pin(future) as BoxFuture<V>), None),
            Joined::Leads(_) | Joined::Follows { .. } => (None, Some(future)),
        };
        let call = Self::registered(parts, joined, subject, body);
        drop(unused_key);
        (call, future)
    }

    fn registered(
        parts: Parts<'g, K, V>,
        joined: Joined<V>,
        subject: Subject,
        body: Option<BoxFuture<V>>,
    ) -> Self {
        let (place, flight, role) = match joined {
            Joined::Leads(place) => (place, None, Role::Leader),
            Joined::Alone(place) => (place, None, Role::Alone { body }),
            Joined::Follows {
                place,
                flight,
                ticket,
            } => {
                let role = Role::Arriving {
                    ticket,
                    opener: false,
                };
                (place, Some(flight), role)
            }
        };
        let opened = matches!(role, Role::Leader | Role::Alone { .. });
        parts.counters.called(opened, parts.label);
        Self {
            seat: Seat {
                map: parts.map,
                counters: parts.counters,
                place,
                flight,
                subject,
            },
            role,
        }
    }

    /// Drives the call: waits as a follower (driving a detached body when
    /// it needs polling), or polls `fut` when leading. Returns the value and
    /// whether another caller received it too.
    pub(crate) fn poll<F>(
        &mut self,
        cx: &mut Context<'_>,
        fut: Pin<&mut Option<F>>,
    ) -> Poll<(V, bool)>
    where
        F: Future<Output = V>,
    {
        if let Role::Alone { .. } = self.role {
            if let Some(polled) = self.poll_alone(cx) {
                return polled;
            }
        }
        if let Role::Arriving { .. } | Role::Waiting { .. } = self.role {
            if let Some(waited) = self.wait(cx) {
                return waited;
            }
        }
        self.lead(cx, fut)
    }

    /// One poll of a detached body by its opener, alone; `None` when a
    /// caller joined meanwhile and the opener now waits in their flight.
    fn poll_alone(&mut self, cx: &mut Context<'_>) -> Option<Poll<(V, bool)>> {
        let Role::Alone { body } = &mut self.role else {
            unreachable!("only an opener alone polls alone")
        };
        let body = match body.take() {
            Some(body) => body,
            None => match self.seat.map.take_alone(self.seat.place) {
                Return::Alone(body) => body,
                Return::Joined(flight) => {
                    // Registered in slot 0 when the body was taken over.
                    self.seat.flight = Some(flight);
                    self.role = Role::Waiting {
                        slot: OPENER_SLOT,
                        opener: true,
                    };
                    return None;
                }
            },
        };
        // Armed from here, as for any caller driving a detached body.
        let mut ending = Ending::alone(&self.seat, body);
        match ending.poll_body(cx.waker()) {
            Ok(Poll::Pending) => match ending.park_alone(cx.waker()) {
                None => Some(Poll::Pending),
                Some(flight) => {
                    self.wait_in(flight);
                    None
                }
            },
            Ok(Poll::Ready(value)) => {
                self.role = Role::Finished;
                Some(Poll::Ready(ending.finish(value)))
            }
            Err(payload) => {
                self.role = Role::Finished;
                ending.fail(payload)
            }
        }
    }

    /// The opener was polling its body alone when a caller joined: it
    /// registers in their flight (it was counted in when they joined), in
    /// this same poll.
    fn wait_in(&mut self, flight: Arc<Flight<V>>) {
        self.seat.flight = Some(flight);
        self.role = Role::Arriving {
            ticket: 0,
            opener: true,
        };
    }

    /// One poll of a waiting call, which registers at the first; `None`
    /// when it was just promoted to lead.
    fn wait(&mut self, cx: &mut Context<'_>) -> Option<Poll<(V, bool)>> {
        let Some(flight) = &self.seat.flight else {
            unreachable!("a waiting call has joined a flight")
        };
        let (slot, polled) = match self.role {
            Role::Waiting { slot, .. } => (Some(slot), flight.poll_follower(slot, cx)),
            Role::Arriving { ticket, opener } => {
                let registered = flight.register(ticket, cx.waker().clone());
                if let Some(slot) = registered.0 {
                    self.role = Role::Waiting { slot, opener };
                }
                registered
            }
            Role::Leader | Role::Alone { .. } | Role::Finished => {
                unreachable!("only a waiting call waits")
            }
        };
        match polled {
            FollowerPoll::Waiting => Some(Poll::Pending),
            FollowerPoll::Promoted => {
                self.seat.counters.promoted();
                self.seat.subject.promoted();
                self.role = Role::Leader;
                None
            }
            FollowerPoll::Value(value) => {
                self.role.received_value(self.seat.counters);
                Some(Poll::Ready((value, true)))
            }
            FollowerPoll::Panicked(message) => {
                self.role = Role::Finished;
                follower_panic(message.as_deref())
            }
            FollowerPoll::Drive(body, waker) => {
                let Some(slot) = slot else {
                    unreachable!("only a registered caller drives the body")
                };
                Some(self.drive(slot, body, &waker))
            }
        }
    }

    /// One poll of the leader's own future.
    fn lead<F>(&mut self, cx: &mut Context<'_>, fut: Pin<&mut Option<F>>) -> Poll<(V, bool)>
    where
        F: Future<Output = V>,
    {
        assert!(
            matches!(self.role, Role::Leader),
            "a coalesced call was polled after it returned"
        );
        let Some(mut fut) = fut.as_pin_mut() else {
            unreachable!("only the opener of a detached flight has no future, and it never leads")
        };
        match panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                self.role = Role::Finished;
                Poll::Ready(Ending::new(&self.seat).finish(value))
            }
            Err(payload) => {
                self.role = Role::Finished;
                Ending::new(&self.seat).fail(payload)
            }
        }
    }

    /// Polls the flight's detached body once, on behalf of every caller.
    fn drive(&mut self, slot: usize, body: BoxFuture<V>, waker: &Waker) -> Poll<(V, bool)> {
        // Armed from here: however this returns or unwinds, the flight has
        // ended (or has its body back) before the body is dropped.
        let mut ending = Ending::driving(&self.seat, body);
        let polled = ending.poll_body(waker);
        if let Ok(Poll::Pending) = polled {
            ending.park();
            return Poll::Pending;
        }
        // The body is done: this caller leaves the waiters, and ends the
        // flight for the others.
        if let Some(flight) = &self.seat.flight {
            flight.retire(slot);
        }
        match polled {
            Ok(Poll::Ready(value)) => {
                self.role.received_value(self.seat.counters);
                Poll::Ready(ending.finish(value))
            }
            Ok(Poll::Pending) => unreachable!("handled above"),
            Err(payload) => {
                self.role = Role::Finished;
                ending.fail(payload)
            }
        }
    }
}

impl<V> Role<V> {
    /// A waiting call received the flight's value: a value from a body it
    /// did not bring counts as a joined one, whoever drove that body.
    fn received_value(&mut self, counters: &Counters) {
        if let Role::Arriving { opener: false, .. } | Role::Waiting { opener: false, .. } =
            std::mem::replace(self, Role::Finished)
        {
            counters.joined();
        }
    }
}

impl<K, V> Drop for Call<'_, K, V> {
    fn drop(&mut self) {
        let departure = match (&self.role, &self.seat.flight) {
            (Role::Finished, _) => return,
            (Role::Alone { .. }, _) => {
                self.seat.map.leave_alone(self.seat.place);
                return;
            }
            (Role::Leader, _) => Departure::MustHandOff,
            (Role::Waiting { slot, .. }, Some(flight)) => flight.leave(*slot),
            (Role::Arriving { .. }, Some(flight)) => flight.leave_unregistered(),
            (Role::Arriving { .. } | Role::Waiting { .. }, None) => {
                unreachable!("a waiting call has joined a flight")
            }
        };
        if let Departure::MustHandOff = departure {
            self.seat.map.abandon(self.seat.place);
        }
    }
}
