//! The entries of a group: one per key in flight, in the shard its hash
//! picks. An entry holds its key and, once another caller joined, the flight
//! they share: a call nobody joins allocates nothing and takes its shard's
//! lock twice, to open its entry and to close it.

mod shards;

use std::borrow::Borrow;
use std::future::Future;
use std::hash::Hash;
use std::sync::OnceLock;

use hashbrown::hash_table;

use self::shards::{Shards, Table};
use crate::flight::{Flight, HandOff};
use crate::stats::Tally;
use crate::sync::Arc;

/// The in-flight map behind a `Group`.
pub(crate) struct Map<K, V> {
    shards: OnceLock<Shards<Entry<K, V>>>,
}

struct Entry<K, V> {
    hash: u64,
    /// Tells this entry from a later one of the same key, so its leader
    /// finds it again without running the key's `Eq`.
    generation: u64,
    key: K,
    /// `None` until another caller joins.
    flight: Option<Arc<Flight<V>>>,
    /// Callers that joined, in order: each one's arrival number.
    joined: usize,
    /// Hidden by `forget`: lookups pass it by; its leader still closes it.
    forgotten: bool,
}

/// Where a call's entry is: enough to find it again under its shard's lock.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    hash: u64,
    generation: u64,
}

/// How a caller came into its flight.
pub(crate) enum Joined<V> {
    /// It opened an entry and runs its own future.
    Leads(Place),
    /// It joined a flight someone else leads, or opened a detached one whose
    /// body the flight owns; it registers in the flight next.
    Follows {
        place: Place,
        flight: Arc<Flight<V>>,
        ticket: usize,
    },
}

/// An entry taken out of the map, held until it is safe to drop: its key's
/// `Drop` is user code, so it runs once the followers are settled.
#[must_use]
pub(crate) struct Removed<K, V> {
    entry: Entry<K, V>,
}

impl<K, V> Removed<K, V> {
    /// The flight callers joined, and how many joined it; `None` when nobody did.
    pub(crate) fn party(&self) -> Option<(&Arc<Flight<V>>, usize)> {
        let entry = &self.entry;
        entry.flight.as_ref().map(|flight| (flight, entry.joined))
    }
}

impl<K, V> Map<K, V> {
    pub(crate) const fn new() -> Self {
        Self {
            shards: OnceLock::new(),
        }
    }

    fn shards(&self) -> &Shards<Entry<K, V>> {
        self.shards.get_or_init(Shards::new)
    }

    /// Entries in flight, not counting those `forget` hid.
    pub(crate) fn len(&self) -> usize {
        self.tally().in_flight
    }

    /// The calls and openings every shard counted, and the entries in flight.
    pub(crate) fn tally(&self) -> Tally {
        let Some(shards) = self.shards.get() else {
            return Tally::default();
        };
        shards.iter().fold(Tally::default(), |tally, table| Tally {
            calls: tally.calls + table.calls,
            opened: tally.opened + table.opened,
            in_flight: tally.in_flight + table.entries.len() - table.forgotten,
        })
    }

    /// Takes the entry at `place` out of the map: its flight has ended.
    pub(crate) fn close(&self, place: Place) -> Option<Removed<K, V>> {
        take(&mut self.shards().lock(place.hash), place)
    }

    /// The caller leading the entry at `place` went away before its body
    /// finished: promote a follower, or remove the entry when nobody waits.
    pub(crate) fn abandon(&self, place: Place) {
        let mut table = self.shards().lock(place.hash);
        let Some(entry) = find(&mut table, place) else {
            return;
        };
        let Some(flight) = &entry.flight else {
            let removed = take(&mut table, place);
            drop(table);
            drop(removed);
            return;
        };
        match flight.hand_off(entry.joined) {
            HandOff::Promoted(waker) => {
                drop(table);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            HandOff::PromoteNext | HandOff::Detached | HandOff::Ended => drop(table),
            HandOff::NoFollowers(ended) => {
                // Under the same lock that saw no followers, so nobody joins
                // a flight that no one leads.
                let removed = take(&mut table, place);
                drop(table);
                ended.release();
                drop(removed);
            }
        }
    }
}

impl<K: Hash + Eq, V> Map<K, V> {
    /// Joins the flight for `key` as a follower, or opens an entry that the
    /// caller leads. A follower's key comes back unused, to be dropped once
    /// the caller is registered and can clean up after a panicking `Drop`.
    pub(crate) fn join(&self, key: K) -> (Joined<V>, Option<K>) {
        let shards = self.shards();
        let hash = shards.hash(&key);
        enter(&mut shards.lock(hash), hash, key, || None)
    }

    /// Joins the flight for `key` as a follower, giving the key and `future`
    /// back; or opens a detached flight that owns `future`, which the caller
    /// joins as its first follower.
    pub(crate) fn join_detached<F>(&self, key: K, future: F) -> (Joined<V>, Option<(K, F)>)
    where
        F: Future<Output = V> + Send + 'static,
        V: Send + 'static,
    {
        let shards = self.shards();
        let hash = shards.hash(&key);
        let mut future = Some(future);
        let opening = || future.take().map(|future| Flight::detached(Box::pin(future)));
        let (joined, unused_key) = enter(&mut shards.lock(hash), hash, key, opening);
        (joined, unused_key.zip(future))
    }

    /// Hides the entry for `key`, if any, and says whether there was one.
    /// Its flight goes on for the callers it has; the next call opens a new one.
    pub(crate) fn forget<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shards = self.shards();
        let hash = shards.hash(key);
        let mut table = shards.lock(hash);
        let Some(entry) = table.entries.find_mut(hash, |entry| entry.is(key)) else {
            return false;
        };
        entry.forgotten = true;
        table.forgotten += 1;
        true
    }

    pub(crate) fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shards = self.shards();
        let hash = shards.hash(key);
        let table = shards.lock(hash);
        table.entries.find(hash, |entry| entry.is(key)).is_some()
    }
}

impl<K, V> Entry<K, V> {
    /// Whether a lookup of `key` finds this entry.
    fn is<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        !self.forgotten && self.key.borrow() == key
    }
}

/// Counts a follower into the flight for `key`, giving the key back; or
/// opens an entry for `key`, with the flight `opening` makes (`None` for an
/// entry its opener leads, until someone joins). One probe of the table
/// either way.
fn enter<K: Eq, V>(
    table: &mut Table<Entry<K, V>>,
    hash: u64,
    key: K,
    opening: impl FnOnce() -> Option<Arc<Flight<V>>>,
) -> (Joined<V>, Option<K>) {
    let found = table
        .entries
        .entry(hash, |entry| entry.is(&key), |entry| entry.hash);
    // Counted once the key's `Eq` is past: a call it fails never joined.
    table.calls += 1;
    let vacant = match found {
        hash_table::Entry::Occupied(occupied) => {
            let entry = occupied.into_mut();
            // The first follower gives the flight its shared state.
            let flight = entry
                .flight
                .get_or_insert_with(|| Arc::new(Flight::new()));
            entry.joined += 1;
            let joined = Joined::Follows {
                place: Place {
                    hash,
                    generation: entry.generation,
                },
                flight: Arc::clone(flight),
                ticket: entry.joined,
            };
            return (joined, Some(key));
        }
        hash_table::Entry::Vacant(vacant) => vacant,
    };
    let generation = table.next_generation;
    table.next_generation += 1;
    table.opened += 1;
    let flight = opening();
    let place = Place { hash, generation };
    let joined = match &flight {
        // A detached flight's opener is its first follower.
        Some(flight) => Joined::Follows {
            place,
            flight: Arc::clone(flight),
            ticket: 0,
        },
        None => Joined::Leads(place),
    };
    vacant.insert(Entry {
        hash,
        generation,
        key,
        joined: usize::from(flight.is_some()),
        flight,
        forgotten: false,
    });
    (joined, None)
}

fn find<K, V>(table: &mut Table<Entry<K, V>>, place: Place) -> Option<&mut Entry<K, V>> {
    table
        .entries
        .find_mut(place.hash, |entry| entry.generation == place.generation)
}

fn take<K, V>(table: &mut Table<Entry<K, V>>, place: Place) -> Option<Removed<K, V>> {
    let found = table
        .entries
        .find_entry(place.hash, |entry| entry.generation == place.generation);
    let entry = found.ok()?.remove().0;
    if entry.forgotten {
        table.forgotten -= 1;
    }
    Some(Removed { entry })
}
