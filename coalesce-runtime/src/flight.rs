//! The shared state of one execution: who waits for it, who leads it, and how
//! it ended.
//!
//! Lock order: a group's map, then a flight. Code in this file takes only the
//! flight's lock and never runs user code (`Clone`, `Drop` of a value, wakers)
//! while holding it: what must be dropped or woken is handed back to the caller.

use std::task::{Context, Waker};

use crate::owned::{BoxFuture, OwnedWork};
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
    /// Followers registered and not yet gone, promoted ones excluded (every
    /// caller of a flight that owns its body counts, its opener included).
    followers: usize,
    /// The body, for a flight that owns it (`run_detached`); every caller of
    /// such a flight is a follower and any of them may drive it. Boxed, so a
    /// flight that does not own its body pays one pointer for it.
    work: Option<Box<OwnedWork<V>>>,
}

enum Outcome<V> {
    Running,
    /// `None` once the last follower took (or dropped) its share.
    Value(Option<SharedValue<V>>),
    Panicked(Option<std::sync::Arc<str>>),
}

enum Slot {
    Vacant {
        next: Option<usize>,
    },
    Waiting(Option<Waker>),
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
    /// The flight's own body needs polling: poll it with this waker, then
    /// [`Flight::park`] it or [`Flight::retire`] with its outcome.
    Drive(BoxFuture<V>, Waker),
}

/// What a dropped follower leaves behind.
#[must_use]
pub(crate) enum Departure {
    Gone,
    /// The follower had been promoted, or was the last caller of a flight
    /// that owns its body: the caller must hand the flight on.
    MustHandOff,
}

/// What a departing leader leaves behind.
#[must_use]
pub(crate) enum HandOff<V> {
    /// Nobody was waiting: the entry should go, and with it the body the
    /// flight owned, if any, dropped once every lock is released.
    NoFollowers(Option<Box<OwnedWork<V>>>),
    /// This follower leads now; wake it once every lock is released.
    Promoted(Option<Waker>),
    /// The flight owns its body, and the remaining followers drive it.
    Continues,
}

impl<V> Flight<V> {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State {
                outcome: Outcome::Running,
                slots: Vec::new(),
                first_vacant: None,
                followers: 0,
                work: None,
            }),
        }
    }

    /// Gives the flight its own body.
    pub(crate) fn own(&self, work: OwnedWork<V>) {
        self.state.lock().work = Some(Box::new(work));
    }

    /// Adds a follower and returns its slot. Called under the map's lock, so
    /// a flight that is finishing or being abandoned cannot gain followers.
    pub(crate) fn register(&self) -> usize {
        let mut state = self.state.lock();
        state.followers += 1;
        state.occupy(Slot::Waiting(None))
    }

    pub(crate) fn followers(&self) -> usize {
        self.state.lock().followers
    }

    pub(crate) fn poll_follower(&self, slot: usize, cx: &mut Context<'_>) -> FollowerPoll<V> {
        let mut guard = self.state.lock();
        let state = &mut *guard;
        match &mut state.outcome {
            Outcome::Running => {}
            Outcome::Value(shared) => {
                state.followers -= 1;
                // The last follower takes the flight's share, so it can move the value.
                let mine = if state.followers == 0 {
                    shared.take()
                } else {
                    shared.as_ref().map(SharedValue::share)
                };
                let Some(mine) = mine else {
                    unreachable!("a finished flight ran out of values for its followers")
                };
                return FollowerPoll::Value(mine);
            }
            Outcome::Panicked(message) => {
                state.followers -= 1;
                return FollowerPoll::Panicked(message.clone());
            }
        }
        let replaced = match &mut state.slots[slot] {
            Slot::Waiting(Some(waker)) if waker.will_wake(cx.waker()) => None,
            Slot::Waiting(waker) => waker.replace(cx.waker().clone()),
            Slot::Promoted => {
                state.vacate(slot);
                return FollowerPoll::Promoted;
            }
            Slot::Vacant { .. } => unreachable!("a waiting follower lost its slot"),
        };
        let drive = state.work.as_mut().and_then(|work| work.take_if_woken());
        drop(guard);
        drop(replaced);
        match drive {
            Some((future, waker)) => FollowerPoll::Drive(future, waker),
            None => FollowerPoll::Waiting,
        }
    }

    /// Puts the flight's body back after a poll that returned `Pending`. If
    /// the body was woken meanwhile, the callers woken then found it out of
    /// the flight: wake them again, or the wake-up would be lost.
    pub(crate) fn park(&self, future: BoxFuture<V>) {
        let mut state = self.state.lock();
        let Some(work) = &mut state.work else {
            return;
        };
        let woken = work.park(future);
        let wakers = if woken {
            state.waiting_wakers()
        } else {
            Vec::new()
        };
        drop(state);
        for waker in wakers {
            waker.wake();
        }
    }

    /// The follower in `slot` drove the flight's body to its end (a value or
    /// a panic): it leaves the waiters, and the work goes, breaking the cycle
    /// between the flight and the body's waker.
    pub(crate) fn retire(&self, slot: usize) {
        let mut state = self.state.lock();
        let waker = state.vacate(slot);
        state.followers -= 1;
        let work = state.work.take();
        drop(state);
        drop(waker);
        drop(work);
    }

    /// The flight's body was woken: wake every waiting caller, so that
    /// whichever is still polled drives it.
    pub(crate) fn wake_owned(&self) {
        let mut state = self.state.lock();
        let Some(work) = &mut state.work else {
            return;
        };
        work.wake();
        let wakers = state.waiting_wakers();
        drop(state);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Removes a follower that is dropped before it returned.
    pub(crate) fn leave(&self, slot: usize) -> Departure {
        let mut guard = self.state.lock();
        let state = &mut *guard;
        let mut leftover = None;
        let mut waker = None;
        match &mut state.outcome {
            Outcome::Running => {
                let was_leading = matches!(state.slots[slot], Slot::Promoted);
                waker = state.vacate(slot);
                if was_leading {
                    return Departure::MustHandOff;
                }
                state.followers -= 1;
                if state.work.is_some() && state.followers == 0 {
                    drop(guard);
                    drop(waker);
                    return Departure::MustHandOff;
                }
            }
            Outcome::Value(shared) => {
                state.followers -= 1;
                if state.followers == 0 {
                    leftover = shared.take();
                }
            }
            Outcome::Panicked(_) => state.followers -= 1,
        }
        drop(guard);
        drop(waker);
        drop(leftover);
        Departure::Gone
    }

    /// Records the leader's value and returns the followers to wake, and
    /// whether anyone shares the value. Followers that left since the leader
    /// decided to share simply leave the value unclaimed.
    pub(crate) fn publish(&self, value: SharedValue<V>) -> (Wakers, bool) {
        let mut state = self.state.lock();
        let shared = state.followers > 0;
        let unclaimed = if shared {
            state.outcome = Outcome::Value(Some(value));
            None
        } else {
            Some(value)
        };
        let wakers = state.drain_wakers();
        drop(state);
        drop(unclaimed);
        (wakers, shared)
    }

    /// Records that the leader's body panicked and returns the followers to wake.
    pub(crate) fn fail(&self, message: Option<String>) -> Wakers {
        let mut state = self.state.lock();
        state.outcome = Outcome::Panicked(message.map(std::sync::Arc::from));
        state.drain_wakers()
    }

    /// Chooses the longest-waiting follower to lead after the leader went away.
    /// Called under the map's lock so that "no followers" stays true until the
    /// entry is removed.
    pub(crate) fn hand_off(&self) -> HandOff<V> {
        let mut state = self.state.lock();
        if state.work.is_some() {
            if state.followers > 0 {
                return HandOff::Continues;
            }
            return HandOff::NoFollowers(state.work.take());
        }
        let next = state
            .slots
            .iter()
            .position(|slot| matches!(slot, Slot::Waiting(_)));
        let Some(next) = next else {
            return HandOff::NoFollowers(None);
        };
        state.followers -= 1;
        match std::mem::replace(&mut state.slots[next], Slot::Promoted) {
            Slot::Waiting(waker) => HandOff::Promoted(waker),
            _ => unreachable!("the chosen slot was waiting"),
        }
    }
}

impl<V> State<V> {
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
            Slot::Waiting(waker) => waker,
            _ => None,
        }
    }

    fn waiting_wakers(&self) -> Vec<Waker> {
        self.slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Waiting(waker) => waker.clone(),
                _ => None,
            })
            .collect()
    }

    fn drain_wakers(&mut self) -> Wakers {
        self.first_vacant = None;
        Wakers(std::mem::take(&mut self.slots))
    }
}

/// The followers of a flight that just ended, taken out of its state so they
/// are woken (and their slots freed) after the flight's lock is released.
#[must_use]
pub(crate) struct Wakers(Vec<Slot>);

impl Wakers {
    pub(crate) fn wake_all(self) {
        for slot in self.0 {
            if let Slot::Waiting(Some(waker)) = slot {
                waker.wake();
            }
        }
    }
}
