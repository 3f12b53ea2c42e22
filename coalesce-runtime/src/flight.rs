//! The state a flight's callers share once a second caller joined: who
//! waits, who leads, and the value each waiting caller takes from its slot.
//!
//! Lock order: a shard of the map, then a flight; a follower registers here
//! after it released the shard. No user code runs under a flight's lock:
//! callers' wakers are cloned, woken and dropped outside it, values are
//! cloned before they are delivered and dropped after; what must be woken or
//! dropped is handed back to the caller. (The only waker cloned under it is
//! a detached body's, which is this crate's own.)

use std::task::{Context, Waker};

use crate::detached::{BoxFuture, DetachedBody, Parked, WakeCallers};
use crate::sync::{Arc, Mutex};

/// One follower's share of a flight's value: its copy, or the message of the
/// `Clone` that panicked while making it.
pub(crate) type Share<V> = Result<V, std::sync::Arc<str>>;

/// One execution for one key, shared by its leader and followers.
pub(crate) struct Flight<V> {
    state: Mutex<State<V>>,
}

struct State<V> {
    outcome: Outcome,
    slots: Vec<Slot<V>>,
    /// Head of the list of vacant slots threaded through `Slot::Vacant`.
    first_vacant: Option<usize>,
    /// Slots in `Slot::Waiting`.
    waiting: usize,
    /// Callers that joined and are gone: they took the outcome, left,
    /// retired from driving, or took up a promotion. The map's entry counts
    /// who joined; the difference is who is still owed the outcome, some of
    /// whom may not have registered yet.
    left: usize,
    /// Shares for callers that joined before the flight ended and registered
    /// after it.
    spare: Vec<Share<V>>,
    /// The leader went away while its only followers were still on their
    /// way here: the first of them to register leads.
    promote_next: bool,
    /// The body of a detached flight, until the flight ends; every caller of
    /// such a flight is a follower and any of them may drive it.
    body: Option<Box<DetachedBody<V>>>,
}

/// How the flight stands. Every way out of a flight sets one of the last
/// three, which no caller can move it out of.
enum Outcome {
    Running,
    /// The body's value is in the slots of the callers that waited for it,
    /// and in `spare` for those still on their way.
    Delivered,
    /// The body panicked (or its caller did, while ending the flight).
    Panicked(Option<std::sync::Arc<str>>),
    /// Every caller went away before the body finished.
    Abandoned,
}

enum Slot<V> {
    Vacant {
        next: Option<usize>,
    },
    Waiting {
        /// Taken out by a detached body's wake-up, to wake the follower,
        /// and stored again at its next poll.
        waker: Option<Waker>,
        ticket: usize,
    },
    /// Chosen to lead after the previous leader went away; it has not polled yet.
    Promoted,
    /// The follower's share, delivered; it takes it at its next poll.
    Ready(Share<V>),
}

/// What a follower learns when it is polled.
pub(crate) enum FollowerPoll<V> {
    Waiting,
    /// The previous leader went away: run your own future and lead the others.
    Promoted,
    Value(V),
    Panicked(Option<std::sync::Arc<str>>),
    /// The detached body needs polling: poll it with this waker, then
    /// [`Flight::park`] it or [`Flight::retire`] and end the flight.
    Drive(BoxFuture<V>, Waker),
}

impl<V> FollowerPoll<V> {
    fn received(share: Share<V>) -> Self {
        match share {
            Ok(value) => Self::Value(value),
            Err(message) => Self::Panicked(Some(message)),
        }
    }
}

/// What a dropped follower leaves behind.
#[must_use]
pub(crate) enum Departure {
    Gone,
    /// The follower had been chosen to lead, or no registered caller is left
    /// to drive a detached body: the map must look for whoever may go on.
    MustHandOff,
}

/// What a departing leader leaves behind.
#[must_use]
pub(crate) enum HandOff<V> {
    /// Nobody is owed the outcome: the flight is abandoned and its entry
    /// should go; the detached body, if any, is dropped once every lock is
    /// released.
    NoFollowers(Ended<V>),
    /// This follower leads now; wake it once every lock is released.
    Promoted(Option<Waker>),
    /// The followers have not registered yet: the first to do so leads.
    PromoteNext,
    /// The flight is detached, and the remaining callers drive its body.
    Detached,
    /// The flight ended before the hand-off: nothing left to do.
    Ended,
}

/// What a flight that just ended leaves to release once its lock is
/// released: the wakers of its followers, and its detached body, whose waker
/// holds the flight.
#[must_use]
pub(crate) struct Ended<V> {
    wakers: Vec<Waker>,
    body: Option<Box<DetachedBody<V>>>,
}

impl<V> Ended<V> {
    /// Wakes every follower, then drops the body.
    pub(crate) fn release(self) {
        self.wakers.into_iter().for_each(Waker::wake);
        drop(self.body);
    }
}

/// A delivery: the flight ended with a value.
#[must_use]
pub(crate) struct Delivered<V> {
    pub(crate) ended: Ended<V>,
    /// Whether any follower received the value.
    pub(crate) shared: bool,
    /// Shares made for followers that left meanwhile, to drop unlocked.
    pub(crate) surplus: Vec<Share<V>>,
}

impl<V> Flight<V> {
    /// The state of a flight that a second caller just joined.
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State {
                outcome: Outcome::Running,
                slots: Vec::new(),
                first_vacant: None,
                waiting: 0,
                left: 0,
                spare: Vec::new(),
                promote_next: false,
                body: None,
            }),
        }
    }

    /// Registers a caller that joined with arrival number `ticket`, with the
    /// waker of its task (cloned outside every lock). Returns its slot, if it
    /// took one, and what it learns at once: the flight may have ended, or
    /// handed its lead to it, while it was on its way.
    pub(crate) fn register(&self, ticket: usize, waker: Waker) -> (Option<usize>, FollowerPoll<V>) {
        let mut guard = self.state.lock();
        let state = &mut *guard;
        let arrived = match &state.outcome {
            Outcome::Running if state.promote_next => {
                state.promote_next = false;
                state.left += 1;
                (None, FollowerPoll::Promoted)
            }
            Outcome::Running => {
                let slot = state.occupy(Slot::Waiting {
                    waker: Some(waker),
                    ticket,
                });
                let drive = state.body.as_mut().and_then(|body| body.take_if_woken());
                return match drive {
                    Some((future, waker)) => (Some(slot), FollowerPoll::Drive(future, waker)),
                    None => (Some(slot), FollowerPoll::Waiting),
                };
            }
            Outcome::Delivered => {
                let Some(share) = state.spare.pop() else {
                    unreachable!("a flight delivered fewer shares than callers joined it")
                };
                (None, FollowerPoll::received(share))
            }
            Outcome::Panicked(message) => (None, FollowerPoll::Panicked(message.clone())),
            Outcome::Abandoned => unreachable!("an abandoned flight has no callers left"),
        };
        drop(guard);
        drop(waker);
        arrived
    }

    /// Callers still owed the outcome, of the `joined` the entry counted.
    pub(crate) fn followers(&self, joined: usize) -> usize {
        joined - self.state.lock().left
    }

    pub(crate) fn poll_follower(&self, slot: usize, cx: &mut Context<'_>) -> FollowerPoll<V> {
        // Cloned outside the lock, on the rare poll whose waker changed.
        let mut fresh = None;
        loop {
            let mut guard = self.state.lock();
            let state = &mut *guard;
            let replaced = match &mut state.slots[slot] {
                Slot::Ready(_) => {
                    let Slot::Ready(share) = state.vacate(slot) else {
                        unreachable!("the slot held a share")
                    };
                    drop(guard);
                    drop(fresh);
                    return FollowerPoll::received(share);
                }
                Slot::Promoted => {
                    state.vacate(slot);
                    state.left += 1;
                    drop(guard);
                    drop(fresh);
                    return FollowerPoll::Promoted;
                }
                Slot::Waiting { .. } if matches!(state.outcome, Outcome::Panicked(_)) => {
                    let Outcome::Panicked(message) = &state.outcome else {
                        unreachable!("matched above")
                    };
                    let message = message.clone();
                    let vacated = state.vacate(slot);
                    drop(guard);
                    drop(vacated);
                    drop(fresh);
                    return FollowerPoll::Panicked(message);
                }
                Slot::Waiting {
                    waker: Some(waker), ..
                } if waker.will_wake(cx.waker()) => None,
                Slot::Waiting { waker, .. } => match fresh.take() {
                    Some(fresh) => waker.replace(fresh),
                    None => {
                        drop(guard);
                        fresh = Some(cx.waker().clone());
                        continue;
                    }
                },
                Slot::Vacant { .. } => unreachable!("a waiting follower lost its slot"),
            };
            let drive = state.body.as_mut().and_then(|body| body.take_if_woken());
            drop(guard);
            drop(replaced);
            drop(fresh);
            return match drive {
                Some((future, waker)) => FollowerPoll::Drive(future, waker),
                None => FollowerPoll::Waiting,
            };
        }
    }

    /// Puts the detached body back after a poll that returned `Pending`. If
    /// it was woken meanwhile, the callers woken then found it out of the
    /// flight: wake them again, or the wake-up would be lost.
    pub(crate) fn park(&self, future: BoxFuture<V>) {
        let mut state = self.state.lock();
        let Some(body) = &mut state.body else {
            // Only the caller holding the future ends the flight: unreachable,
            // but an ended flight has no use for it.
            drop(state);
            drop(future);
            return;
        };
        let woken = body.park(future);
        let wakers = if woken {
            state.take_wakers()
        } else {
            Vec::new()
        };
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// The follower in `slot` drove the detached body to its end: it leaves
    /// the waiters before it ends the flight for the others.
    pub(crate) fn retire(&self, slot: usize) {
        let mut state = self.state.lock();
        let vacated = state.vacate(slot);
        state.left += 1;
        drop(state);
        drop(vacated);
    }

    /// Removes a registered follower that is dropped before it returned.
    pub(crate) fn leave(&self, slot: usize) -> Departure {
        let mut state = self.state.lock();
        let running = matches!(state.outcome, Outcome::Running);
        let was_leading = matches!(state.slots[slot], Slot::Promoted);
        // A delivered value the follower never took is dropped unlocked.
        let vacated = state.vacate(slot);
        let departure = if running {
            state.left += 1;
            state.departure(was_leading)
        } else {
            Departure::Gone
        };
        drop(state);
        drop(vacated);
        departure
    }

    /// Removes a follower that joined and is dropped before it registered.
    pub(crate) fn leave_unregistered(&self) -> Departure {
        let mut state = self.state.lock();
        let mut unclaimed = None;
        let departure = match state.outcome {
            Outcome::Running => {
                state.left += 1;
                let was_leading = std::mem::take(&mut state.promote_next);
                state.departure(was_leading)
            }
            Outcome::Delivered => {
                unclaimed = state.spare.pop();
                Departure::Gone
            }
            Outcome::Panicked(_) | Outcome::Abandoned => Departure::Gone,
        };
        drop(state);
        drop(unclaimed);
        departure
    }

    /// Ends the flight with `values`, the shares of its value made for the
    /// callers of the `joined` that [`followers`](Flight::followers) said
    /// were still owed one: each waiting caller finds its share in its slot,
    /// each caller still on its way finds one in `spare`.
    pub(crate) fn deliver(&self, joined: usize, mut values: Vec<Share<V>>) -> Delivered<V> {
        let mut guard = self.state.lock();
        let state = &mut *guard;
        state.outcome = Outcome::Delivered;
        let waited = state.waiting;
        let mut wakers = Vec::with_capacity(waited);
        for slot in &mut state.slots {
            if let Slot::Waiting { waker, .. } = slot {
                let Some(value) = values.pop() else {
                    unreachable!("a waiting follower was not counted as owed a value")
                };
                wakers.extend(waker.take());
                *slot = Slot::Ready(value);
            }
        }
        let on_their_way = joined - state.left - waited;
        state.waiting = 0;
        state.spare = values.split_off(values.len() - on_their_way);
        let shared = waited + on_their_way > 0;
        let ended = Ended {
            wakers,
            body: state.body.take(),
        };
        drop(guard);
        Delivered {
            ended,
            shared,
            surplus: values,
        }
    }

    /// Records that the flight failed (its body panicked) and ends it.
    pub(crate) fn fail(&self, message: Option<String>) -> Ended<V> {
        let mut state = self.state.lock();
        state.outcome = Outcome::Panicked(message.map(std::sync::Arc::from));
        state.end()
    }

    /// Chooses the longest-waiting follower to lead after the leader went
    /// away, or abandons the flight when nobody of the `joined` is still
    /// owed its outcome. Called under the map's lock so that "no followers"
    /// stays true until the entry is removed.
    pub(crate) fn hand_off(&self, joined: usize) -> HandOff<V> {
        let mut state = self.state.lock();
        if !matches!(state.outcome, Outcome::Running) {
            // Ended meanwhile: a caller left a detached flight as its last
            // follower, and before it came here to drop the body, a new
            // caller joined and drove the body to its end.
            return HandOff::Ended;
        }
        let owed = joined - state.left;
        if state.body.is_some() && owed > 0 {
            return HandOff::Detached;
        }
        if let Some(next) = state.oldest_waiting() {
            // Still counted until it takes up the promotion (or leaves): if
            // the flight ends first, it takes the outcome like any follower.
            state.waiting -= 1;
            return match std::mem::replace(&mut state.slots[next], Slot::Promoted) {
                Slot::Waiting { waker, .. } => HandOff::Promoted(waker),
                _ => unreachable!("the chosen slot was waiting"),
            };
        }
        if owed > 0 {
            state.promote_next = true;
            return HandOff::PromoteNext;
        }
        state.outcome = Outcome::Abandoned;
        HandOff::NoFollowers(state.end())
    }
}

impl<V: Send + 'static> Flight<V> {
    /// A flight that owns a detached body: its callers drive it. The body
    /// comes from its opener: parked with the opener's waker, and the opener
    /// then waits in slot 0; or still being polled (`None`), and the opener
    /// parks it here and registers once it is done. Either way it counts as
    /// woken, so that the first caller polled drives it, with a waker that
    /// wakes them all.
    pub(crate) fn detached(parked: Option<Box<Parked<V>>>) -> Arc<Self> {
        let flight = Arc::new(Self::new());
        let (future, opener) = parked.map(|parked| (parked.body, parked.waker)).unzip();
        let body = DetachedBody::new(future, Arc::clone(&flight));
        let mut state = flight.state.lock();
        state.body = Some(Box::new(body));
        if let Some(waker) = opener {
            state.occupy(Slot::Waiting {
                waker: Some(waker),
                ticket: 0,
            });
        }
        drop(state);
        flight
    }
}

impl<V: Send + 'static> WakeCallers for Flight<V> {
    fn body_woken(&self) {
        let mut state = self.state.lock();
        let Some(body) = &mut state.body else {
            return;
        };
        body.wake();
        let wakers = state.take_wakers();
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl<V> State<V> {
    /// What a caller leaving a running flight must do: hand the lead on if
    /// it held it, or look for a driver if no registered caller is left to
    /// drive the detached body (the map knows of those still on their way).
    fn departure(&self, was_leading: bool) -> Departure {
        if was_leading || (self.body.is_some() && self.waiting == 0) {
            Departure::MustHandOff
        } else {
            Departure::Gone
        }
    }

    /// Takes a vacant slot (or a new one) for `slot`; counts it if it waits,
    /// as [`vacate`](State::vacate) uncounts it.
    fn occupy(&mut self, slot: Slot<V>) -> usize {
        if let Slot::Waiting { .. } = slot {
            self.waiting += 1;
        }
        match self.first_vacant {
            Some(index) => {
                let Slot::Vacant { next } = std::mem::replace(&mut self.slots[index], slot) else {
                    unreachable!("the vacant list points at an occupied slot")
                };
                self.first_vacant = next;
                index
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        }
    }

    /// Frees a slot and returns what it held, to be dropped outside the lock.
    fn vacate(&mut self, index: usize) -> Slot<V> {
        let vacant = Slot::Vacant {
            next: self.first_vacant,
        };
        self.first_vacant = Some(index);
        let held = std::mem::replace(&mut self.slots[index], vacant);
        if let Slot::Waiting { .. } = held {
            self.waiting -= 1;
        }
        held
    }

    /// The waiting follower that arrived first.
    fn oldest_waiting(&self) -> Option<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| match slot {
                Slot::Waiting { ticket, .. } => Some((*ticket, index)),
                _ => None,
            })
            .min()
            .map(|(_, index)| index)
    }

    /// The waiting followers' wakers, taken out to be woken outside the lock;
    /// each follower stores its waker again when it is polled.
    fn take_wakers(&mut self) -> Vec<Waker> {
        self.slots
            .iter_mut()
            .filter_map(|slot| match slot {
                Slot::Waiting { waker, .. } => waker.take(),
                _ => None,
            })
            .collect()
    }

    /// Ends the flight without a value (its outcome is already set): the
    /// followers' wakers and the detached body leave the state, to be
    /// released outside the lock. The slots stay: each follower learns the
    /// outcome from its own at its next poll.
    fn end(&mut self) -> Ended<V> {
        Ended {
            wakers: self.take_wakers(),
            body: self.body.take(),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn noop() -> Waker {
        Waker::noop().clone()
    }

    /// Registers a follower that is waiting, and returns its slot.
    fn waiting<V>(flight: &Flight<V>, ticket: usize) -> usize {
        match flight.register(ticket, noop()) {
            (Some(slot), FollowerPoll::Waiting) => slot,
            _ => panic!("a follower of a running flight should wait"),
        }
    }

    fn poll<V>(flight: &Flight<V>, slot: usize) -> FollowerPoll<V> {
        flight.poll_follower(slot, &mut Context::from_waker(Waker::noop()))
    }

    /// Issue 11: a leader that leaves with nobody waiting ends the flight.
    #[test]
    fn an_abandoned_flight_is_ended() {
        let flight = Flight::<u8>::new();
        let HandOff::NoFollowers(ended) = flight.hand_off(0) else {
            panic!("nobody was waiting, yet the flight was handed on");
        };
        ended.release();
        assert!(matches!(flight.state.lock().outcome, Outcome::Abandoned));
    }

    /// Issue 11: promotion follows arrival order, not slot order.
    #[test]
    fn the_oldest_follower_is_promoted_whichever_slot_it_holds() {
        let flight = Flight::<u8>::new();
        let a = waiting(&flight, 1);
        let b = waiting(&flight, 2);
        assert!(matches!(flight.leave(a), Departure::Gone));
        // C reuses A's slot, the lowest one, but arrived after B.
        let c = waiting(&flight, 3);
        assert_eq!(c, a);
        let HandOff::Promoted(_) = flight.hand_off(3) else {
            panic!("a follower was waiting, yet none was promoted");
        };
        assert!(matches!(flight.state.lock().slots[b], Slot::Promoted));
        assert!(matches!(flight.state.lock().slots[c], Slot::Waiting { .. }));
    }

    /// A hand-off that comes after the flight ended changes nothing: the
    /// outcome stays for the followers still to take it.
    #[test]
    fn a_late_hand_off_leaves_an_ended_flight_alone() {
        let flight = Flight::<u8>::new();
        let follower = waiting(&flight, 1);
        flight.fail(Some("boom".to_owned())).release();
        assert!(matches!(flight.hand_off(1), HandOff::Ended));
        assert!(matches!(
            poll(&flight, follower),
            FollowerPoll::Panicked(Some(_))
        ));
    }

    /// A promoted follower stays owed the outcome until it takes up the
    /// promotion, so every follower leaves the count exactly once.
    #[test]
    fn a_promoted_follower_leaves_the_count_once() {
        let flight = Flight::<u8>::new();
        let (first, second) = (waiting(&flight, 1), waiting(&flight, 2));
        assert!(matches!(flight.hand_off(2), HandOff::Promoted(_)));
        assert_eq!(flight.followers(2), 2);
        assert!(matches!(poll(&flight, first), FollowerPoll::Promoted));
        assert_eq!(flight.followers(2), 1);
        assert!(matches!(flight.leave(second), Departure::Gone));
        assert_eq!(flight.followers(2), 0);
    }

    /// Each waiting follower takes its own copy from its slot; one that
    /// joined before the end and registers after it takes a spare one.
    #[test]
    fn a_delivery_reaches_the_waiting_and_those_on_their_way() {
        let flight = Flight::<String>::new();
        let slot = waiting(&flight, 1);
        // The second follower joined (the entry counts 2) but has not registered.
        let copies = vec![Ok("v".to_owned()); flight.followers(2)];
        let delivered = flight.deliver(2, copies);
        assert!(delivered.shared);
        assert!(delivered.surplus.is_empty());
        delivered.ended.release();
        assert!(matches!(poll(&flight, slot), FollowerPoll::Value(v) if v == "v"));
        assert!(matches!(flight.register(2, noop()), (None, FollowerPoll::Value(v)) if v == "v"));
    }

    /// A copy made for a follower that left before the delivery is handed
    /// back to be dropped, not kept.
    #[test]
    fn a_copy_for_a_follower_gone_meanwhile_is_surplus() {
        let flight = Flight::<u8>::new();
        let slot = waiting(&flight, 1);
        let copies = vec![Ok(7); flight.followers(1)];
        assert!(matches!(flight.leave(slot), Departure::Gone));
        let delivered = flight.deliver(1, copies);
        assert!(!delivered.shared);
        assert!(matches!(delivered.surplus[..], [Ok(7)]));
        delivered.ended.release();
    }

    /// A leader that leaves while its only follower is still on its way
    /// hands the lead to that follower when it registers.
    #[test]
    fn a_follower_on_its_way_takes_up_a_promotion_when_it_registers() {
        let flight = Flight::<u8>::new();
        assert!(matches!(flight.hand_off(1), HandOff::PromoteNext));
        assert!(matches!(
            flight.register(1, noop()),
            (None, FollowerPoll::Promoted)
        ));
        assert_eq!(flight.followers(1), 0);
    }

    /// A follower dropped on its way in, after it was chosen to lead, hands
    /// the lead on again.
    #[test]
    fn a_chosen_follower_dropped_on_its_way_hands_off_again() {
        let flight = Flight::<u8>::new();
        assert!(matches!(flight.hand_off(1), HandOff::PromoteNext));
        assert!(matches!(
            flight.leave_unregistered(),
            Departure::MustHandOff
        ));
        assert!(matches!(flight.hand_off(1), HandOff::NoFollowers(_)));
    }
}
