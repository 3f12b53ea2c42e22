//! The entries of a group: one flight per key in flight. Joining, opening,
//! removing and abandoning a flight all happen under the map's one lock.

use std::borrow::Borrow;
use std::future::Future;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::OnceLock;

use hashbrown::HashTable;

use crate::flight::{Flight, HandOff};
use crate::sync::{Arc, Mutex};

/// The in-flight map behind a `Group`.
pub(crate) struct Map<K, V> {
    hasher: OnceLock<RandomState>,
    entries: Mutex<HashTable<Entry<K, V>>>,
}

struct Entry<K, V> {
    hash: u64,
    key: K,
    flight: Arc<Flight<V>>,
}

/// A caller's place in a flight, as [`Map::join`] found it.
pub(crate) struct Joined<V> {
    pub(crate) flight: Arc<Flight<V>>,
    pub(crate) hash: u64,
    pub(crate) arrival: Arrival,
}

/// How a caller came into its flight.
pub(crate) enum Arrival {
    /// It opened a flight and runs its own future.
    Leads,
    /// It opened a detached flight, whose body it drives from this slot.
    Opened(usize),
    /// It waits in this slot of a flight someone else opened.
    Follows(usize),
}

/// An entry taken out of the map, held until it is safe to drop: its key's
/// `Drop` is user code, so it runs once the followers are settled.
#[must_use]
pub(crate) struct Removed<K, V> {
    _entry: Entry<K, V>,
}

impl<K, V> Map<K, V> {
    pub(crate) const fn new() -> Self {
        Self {
            hasher: OnceLock::new(),
            entries: Mutex::new(HashTable::new()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// Randomly seeded per map, so keys taken from requests cannot be
    /// chosen to flood one bucket. Runs outside the lock.
    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.get_or_init(RandomState::new).hash_one(key)
    }

    /// Removes `flight`'s entry if it is still the one in the map: a flight
    /// that was forgotten must not remove the flight that replaced it.
    pub(crate) fn remove(&self, hash: u64, flight: &Arc<Flight<V>>) -> Option<Removed<K, V>> {
        take_entry(&mut self.entries.lock(), hash, flight)
    }

    /// The leader of `flight` went away before finishing: promote a follower,
    /// or remove the entry when nobody is waiting.
    pub(crate) fn abandon(&self, hash: u64, flight: &Arc<Flight<V>>) {
        let mut entries = self.entries.lock();
        match flight.hand_off() {
            HandOff::Promoted(waker) => {
                drop(entries);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            HandOff::Detached | HandOff::Ended => drop(entries),
            HandOff::NoFollowers(ended) => {
                // Under the same lock that saw no followers, so nobody joins
                // a flight that no one leads.
                let removed = take_entry(&mut entries, hash, flight);
                drop(entries);
                ended.release();
                drop(removed);
            }
        }
    }
}

impl<K: Hash + Eq, V> Map<K, V> {
    /// Joins the flight for `key` as a follower, or opens one that the
    /// caller leads. A follower's key comes back unused, to be dropped once
    /// the caller is registered and can clean up after a panicking `Drop`.
    pub(crate) fn join(&self, key: K) -> (Joined<V>, Option<K>) {
        let hash = self.hash(&key);
        let mut entries = self.entries.lock();
        if let Some(joined) = follow(&entries, hash, &key) {
            drop(entries);
            return (joined, Some(key));
        }
        let flight = Arc::new(Flight::led());
        insert(&mut entries, hash, key, &flight);
        let joined = Joined {
            flight,
            hash,
            arrival: Arrival::Leads,
        };
        (joined, None)
    }

    /// Joins the flight for `key` as a follower, giving the key and `future`
    /// back; or opens a detached flight that owns `future`.
    pub(crate) fn join_detached<F>(&self, key: K, future: F) -> (Joined<V>, Option<(K, F)>)
    where
        F: Future<Output = V> + Send + 'static,
        V: Send + 'static,
    {
        let hash = self.hash(&key);
        let mut entries = self.entries.lock();
        if let Some(joined) = follow(&entries, hash, &key) {
            drop(entries);
            return (joined, Some((key, future)));
        }
        let flight = Flight::detached(Box::pin(future));
        let slot = flight.register();
        insert(&mut entries, hash, key, &flight);
        let joined = Joined {
            flight,
            hash,
            arrival: Arrival::Opened(slot),
        };
        (joined, None)
    }

    /// Removes the entry for `key`, if any, and says whether there was one.
    /// Its flight goes on for the callers it has.
    pub(crate) fn forget<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let removed = self
            .entries
            .lock()
            .find_entry(hash, |entry| entry.key.borrow() == key)
            .ok()
            .map(|entry| entry.remove().0);
        removed.is_some()
    }

    pub(crate) fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        self.entries
            .lock()
            .find(hash, |entry| entry.key.borrow() == key)
            .is_some()
    }
}

/// Registers a follower in the flight for `key`, if there is one.
fn follow<K: Eq, V>(entries: &HashTable<Entry<K, V>>, hash: u64, key: &K) -> Option<Joined<V>> {
    let entry = entries.find(hash, |entry| entry.key == *key)?;
    let flight = Arc::clone(&entry.flight);
    let slot = flight.register();
    Some(Joined {
        flight,
        hash,
        arrival: Arrival::Follows(slot),
    })
}

fn insert<K, V>(entries: &mut HashTable<Entry<K, V>>, hash: u64, key: K, flight: &Arc<Flight<V>>) {
    let entry = Entry {
        hash,
        key,
        flight: Arc::clone(flight),
    };
    entries.insert_unique(hash, entry, |entry| entry.hash);
}

fn take_entry<K, V>(
    entries: &mut HashTable<Entry<K, V>>,
    hash: u64,
    flight: &Arc<Flight<V>>,
) -> Option<Removed<K, V>> {
    entries
        .find_entry(hash, |entry| Arc::ptr_eq(&entry.flight, flight))
        .ok()
        .map(|entry| Removed {
            _entry: entry.remove().0,
        })
}
