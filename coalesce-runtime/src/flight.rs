//! The shared state of one execution: who waits for it, who leads it, and how
//! it ended.
//!
//! Lock order: a group's map, then a flight. No user code runs under a
//! flight's lock: callers' wakers are cloned, woken and dropped outside it, and
//! so are values and bodies; what must be woken or dropped is handed back to
//! the caller. (The only waker cloned under it is a detached body's, which is
//! this crate's own.)

use std::task::{Context, Waker};

use crate::detached::{BoxFuture, DetachedBody, WakeCallers};
use crate::sync::{Arc, Mutex};

/// One execution for one key, shared by its leader and followers.
pub(crate) struct Flight<V> {
    state: Mutex<State<V>>,
}

struct State<V> {
    outcome: Outcome<V>,
    slots: Vec<Slot>,
    /// Head of the list of vacant slots threaded through `Slot::Vacant`.
    first_vacant: Option<usize>,
    /// The arrival number the next follower gets: promotion picks the
    /// smallest one waiting, whichever slot it landed in.
    next_ticket: u64,
    /// Callers registered as followers and not yet gone: each leaves this
    /// count exactly once, when it takes the outcome, leaves, retires from
    /// driving, or takes up a promotion (every caller of a detached flight
    /// counts, its opener included).
    followers: usize,
    /// The body of a detached flight, until the flight ends; every caller of
    /// such a flight is a follower and any of them may drive it. Boxed, so a
    /// flight led by a caller pays one pointer for it.
    body: Option<Box<DetachedBody<V>>>,
}

/// How the flight stands. Every way out of a flight sets one of the last
/// three, which no caller can move it out of.
enum Outcome<V> {
    Running,
    /// The body's value; `None` once the last follower took its share, or
    /// when nobody was waiting for it.
    Value(Option<SharedValue<V>>),
    /// The body panicked (or its caller did, while ending the flight).
    Panicked(Option<std::sync::Arc<str>>),
    /// Every caller went away before the body finished.
    Abandoned,
}

enum Slot {
    Vacant {
        next: Option<usize>,
    },
    Waiting {
        /// `None` until the follower is polled, and again after a detached
        /// body's wake-up took it to wake the follower.
        waker: Option<Waker>,
        ticket: u64,
    },
    /// Chosen to lead after the previous leader went away; it has not polled yet.
    Promoted,
}

/// A finished execution's value, shared by the followers that still need it.
///
/// The mutex serializes `Clone` (the output need not be `Sync`) without
/// holding the flight's lock, and is never poisoned for good: `Clone` takes
/// `&V` and cannot leave it half-changed.
pub(crate) struct SharedValue<V>(Arc<Mutex<V>>);

impl<V> SharedValue<V> {
    fn share(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<V: Clone> SharedValue<V> {
    pub(crate) fn new(value: V) -> Self {
        Self(Arc::new(Mutex::new(value)))
    }

    /// Moves the value out when this is the last share, clones it otherwise.
    pub(crate) fn into_value(self) -> V {
        match Arc::try_unwrap(self.0) {
            Ok(last) => last.into_inner(),
            Err(shared) => shared.lock().clone(),
        }
    }
}

/// What a follower learns when it is polled.
pub(crate) enum FollowerPoll<V> {
    Waiting,
    /// The previous leader went away: run your own future and lead the others.
    Promoted,
    Value(SharedValue<V>),
    Panicked(Option<std::sync::Arc<str>>),
    /// The detached body needs polling: poll it with this waker, then
    /// [`Flight::park`] it or [`Flight::retire`] and end the flight.
    Drive(BoxFuture<V>, Waker),
}

/// What a dropped follower leaves behind.
#[must_use]
pub(crate) enum Departure {
    Gone,
    /// The follower had been promoted, or was the last caller of a detached
    /// flight: the caller must hand the flight on.
    MustHandOff,
}

/// What a departing leader leaves behind.
#[must_use]
pub(crate) enum HandOff<V> {
    /// Nobody was waiting: the flight is abandoned and its entry should go;
    /// the detached body, if any, is dropped once every lock is released.
    NoFollowers(Ended<V>),
    /// This follower leads now; wake it once every lock is released.
    Promoted(Option<Waker>),
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
    slots: Vec<Slot>,
    body: Option<Box<DetachedBody<V>>>,
}

impl<V> Ended<V> {
    /// Wakes every follower, then drops the body.
    pub(crate) fn release(self) {
        for slot in self.slots {
            if let Slot::Waiting {
                waker: Some(waker), ..
            } = slot
            {
                waker.wake();
            }
        }
        drop(self.body);
    }
}

impl<V> Flight<V> {
    /// A flight its opener leads, polling its own future.
    pub(crate) fn led() -> Self {
        Self {
            state: Mutex::new(State {
                outcome: Outcome::Running,
                slots: Vec::new(),
                first_vacant: None,
                next_ticket: 0,
                followers: 0,
                body: None,
            }),
        }
    }

    /// Adds a follower and returns its slot. Called under the map's lock, so
    /// a flight that is ending or being abandoned cannot gain followers.
    pub(crate) fn register(&self) -> usize {
        let mut state = self.state.lock();
        state.followers += 1;
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.occupy(Slot::Waiting {
            waker: None,
            ticket,
        })
    }

    pub(crate) fn followers(&self) -> usize {
        self.state.lock().followers
    }

    pub(crate) fn poll_follower(&self, slot: usize, cx: &mut Context<'_>) -> FollowerPoll<V> {
        // Cloned outside the lock, on the rare poll whose waker changed.
        let mut fresh = None;
        loop {
            let mut guard = self.state.lock();
            let state = &mut *guard;
            if let Some(ended) = state.take_outcome() {
                drop(guard);
                drop(fresh);
                return ended;
            }
            let replaced = match &mut state.slots[slot] {
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
                Slot::Promoted => {
                    state.vacate(slot);
                    state.followers -= 1;
                    drop(guard);
                    drop(fresh);
                    return FollowerPoll::Promoted;
                }
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
        let waker = state.vacate(slot);
        state.followers -= 1;
        drop(state);
        drop(waker);
    }

    /// Removes a follower that is dropped before it returned.
    pub(crate) fn leave(&self, slot: usize) -> Departure {
        let mut guard = self.state.lock();
        let state = &mut *guard;
        let mut waker = None;
        let mut leftover = None;
        let mut departure = Departure::Gone;
        match &mut state.outcome {
            Outcome::Running => {
                let was_leading = matches!(state.slots[slot], Slot::Promoted);
                waker = state.vacate(slot);
                state.followers -= 1;
                if was_leading || (state.body.is_some() && state.followers == 0) {
                    departure = Departure::MustHandOff;
                }
            }
            Outcome::Value(shared) => {
                state.followers -= 1;
                if state.followers == 0 {
                    leftover = shared.take();
                }
            }
            Outcome::Panicked(_) => state.followers -= 1,
            Outcome::Abandoned => unreachable!("an abandoned flight has no callers left"),
        }
        drop(guard);
        drop(waker);
        drop(leftover);
        departure
    }

    /// Records the body's value (`share`, `None` when no follower was left
    /// to share it) and ends the flight; says whether any follower shares
    /// the value. Followers that left since the caller decided to share
    /// simply leave it unclaimed.
    pub(crate) fn publish(&self, share: Option<SharedValue<V>>) -> (Ended<V>, bool) {
        let mut state = self.state.lock();
        let shared = share.is_some() && state.followers > 0;
        let unclaimed = if shared {
            state.outcome = Outcome::Value(share);
            None
        } else {
            state.outcome = Outcome::Value(None);
            share
        };
        let ended = state.end();
        drop(state);
        drop(unclaimed);
        (ended, shared)
    }

    /// Records that the flight failed (its body panicked) and ends it.
    pub(crate) fn fail(&self, message: Option<String>) -> Ended<V> {
        let mut state = self.state.lock();
        state.outcome = Outcome::Panicked(message.map(std::sync::Arc::from));
        state.end()
    }

    /// Chooses the longest-waiting follower to lead after the leader went
    /// away, or abandons the flight when nobody waits. Called under the map's
    /// lock so that "no followers" stays true until the entry is removed.
    pub(crate) fn hand_off(&self) -> HandOff<V> {
        let mut state = self.state.lock();
        if !matches!(state.outcome, Outcome::Running) {
            // Ended meanwhile: a caller left a detached flight as its last
            // follower, and before it came here to drop the body, a new
            // caller joined and drove the body to its end.
            return HandOff::Ended;
        }
        if state.body.is_some() && state.followers > 0 {
            return HandOff::Detached;
        }
        let Some(next) = state.oldest_waiting() else {
            state.outcome = Outcome::Abandoned;
            return HandOff::NoFollowers(state.end());
        };
        // Still counted until it takes up the promotion (or leaves): if the
        // flight ends first, it takes the outcome like any follower.
        match std::mem::replace(&mut state.slots[next], Slot::Promoted) {
            Slot::Waiting { waker, .. } => HandOff::Promoted(waker),
            _ => unreachable!("the chosen slot was waiting"),
        }
    }
}

impl<V: Send + 'static> Flight<V> {
    /// A flight that owns `future`: its callers drive it.
    pub(crate) fn detached(future: BoxFuture<V>) -> Arc<Self> {
        let flight = Arc::new(Self::led());
        let body = DetachedBody::new(future, Arc::clone(&flight));
        flight.state.lock().body = Some(Box::new(body));
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
    /// A follower's share of an ended flight, or `None` while it runs.
    fn take_outcome(&mut self) -> Option<FollowerPoll<V>> {
        match &mut self.outcome {
            Outcome::Running => None,
            Outcome::Value(shared) => {
                self.followers -= 1;
                // The last follower takes the flight's share, so it can move the value.
                let mine = if self.followers == 0 {
                    shared.take()
                } else {
                    shared.as_ref().map(SharedValue::share)
                };
                let Some(mine) = mine else {
                    unreachable!("a finished flight ran out of values for its followers")
                };
                Some(FollowerPoll::Value(mine))
            }
            Outcome::Panicked(message) => {
                self.followers -= 1;
                Some(FollowerPoll::Panicked(message.clone()))
            }
            Outcome::Abandoned => unreachable!("an abandoned flight has no callers left"),
        }
    }

    fn occupy(&mut self, slot: Slot) -> usize {
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

    /// Frees a slot and returns its waker, to be dropped outside the lock.
    fn vacate(&mut self, index: usize) -> Option<Waker> {
        let vacant = Slot::Vacant {
            next: self.first_vacant,
        };
        self.first_vacant = Some(index);
        match std::mem::replace(&mut self.slots[index], vacant) {
            Slot::Waiting { waker, .. } => waker,
            _ => None,
        }
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

    /// Ends the flight (its outcome is already set): the followers' slots and
    /// the detached body leave the state, to be released outside the lock.
    fn end(&mut self) -> Ended<V> {
        self.first_vacant = None;
        Ended {
            slots: std::mem::take(&mut self.slots),
            body: self.body.take(),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn is_running<V>(flight: &Flight<V>) -> bool {
        matches!(flight.state.lock().outcome, Outcome::Running)
    }

    /// Issue 11: a value nobody shares still ends the flight.
    #[test]
    fn an_unshared_publish_ends_the_flight() {
        let flight = Flight::<u8>::led();
        let (ended, shared) = flight.publish(Some(SharedValue::new(1)));
        ended.release();
        assert!(!shared);
        assert!(!is_running(&flight));
        assert!(matches!(flight.state.lock().outcome, Outcome::Value(None)));
    }

    /// Issue 11: a leader that leaves with nobody waiting ends the flight.
    #[test]
    fn an_abandoned_flight_is_ended() {
        let flight = Flight::<u8>::led();
        let HandOff::NoFollowers(ended) = flight.hand_off() else {
            panic!("nobody was waiting, yet the flight was handed on");
        };
        ended.release();
        assert!(matches!(flight.state.lock().outcome, Outcome::Abandoned));
    }

    /// Issue 11: promotion follows arrival order, not slot order.
    #[test]
    fn the_oldest_follower_is_promoted_whichever_slot_it_holds() {
        let flight = Flight::<u8>::led();
        let a = flight.register();
        let b = flight.register();
        assert!(matches!(flight.leave(a), Departure::Gone));
        // C reuses A's slot, the lowest one, but arrived after B.
        let c = flight.register();
        assert_eq!(c, a);
        let HandOff::Promoted(_) = flight.hand_off() else {
            panic!("a follower was waiting, yet none was promoted");
        };
        assert!(matches!(flight.state.lock().slots[b], Slot::Promoted));
        assert!(matches!(flight.state.lock().slots[c], Slot::Waiting { .. }));
    }

    /// A hand-off that comes after the flight ended changes nothing: the
    /// outcome stays for the followers still to take it.
    #[test]
    fn a_late_hand_off_leaves_an_ended_flight_alone() {
        let flight = Flight::<u8>::led();
        let follower = flight.register();
        flight.fail(Some("boom".to_owned())).release();
        assert!(matches!(flight.hand_off(), HandOff::Ended));
        let cx = &mut Context::from_waker(Waker::noop());
        assert!(matches!(
            flight.poll_follower(follower, cx),
            FollowerPoll::Panicked(Some(_))
        ));
        assert_eq!(flight.followers(), 0);
    }

    /// A promoted follower stays counted until it takes up the promotion,
    /// so every registration leaves the count exactly once.
    #[test]
    fn a_promoted_follower_leaves_the_count_once() {
        let flight = Flight::<u8>::led();
        let (first, second) = (flight.register(), flight.register());
        assert!(matches!(flight.hand_off(), HandOff::Promoted(_)));
        assert_eq!(flight.followers(), 2);
        let cx = &mut Context::from_waker(Waker::noop());
        assert!(matches!(
            flight.poll_follower(first, cx),
            FollowerPoll::Promoted
        ));
        assert_eq!(flight.followers(), 1);
        assert!(matches!(flight.leave(second), Departure::Gone));
        assert_eq!(flight.followers(), 0);
    }
}
