//! The entries of a group: one per key in flight, in the shard its hash
//! picks. An entry holds its key and, once another caller joined, the flight
//! they share: a call nobody joins allocates nothing and takes its shard's
//! lock twice, to open its entry and to close it.

mod shards;

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::OnceLock;
use std::task::Waker;

use hashbrown::hash_table;

use self::shards::{Shards, Table};
use crate::detached::{BoxFuture, Parked};
use crate::flight::{Departure, Flight, HandOff};
use crate::stats::Tally;
use crate::sync::Arc;

/// The in-flight map behind a `Group`.
pub(crate) struct Map<K, V> {
    shards: OnceLock<Shards<Entry<K, V>, Away<V>>>,
}

struct Entry<K, V> {
    hash: u64,
    /// Tells this entry from a later one of the same key, so its leader
    /// finds it again without running the key's `Eq`.
    generation: u64,
    key: K,
    party: Party<V>,
    /// Callers that joined, in order: each one's arrival number. 32 bits,
    /// so that it and the two flags fill one word: moving an entry out of
    /// the table then copies whole words (with a `usize` here, the copies
    /// stalled on store forwarding, about 8 ns a call).
    joined: u32,
    /// Hidden by `forget`: lookups pass it by; its leader still closes it.
    forgotten: bool,
    /// The opener of a detached flight has not come back since a caller
    /// joined and gave the body a flight: it is counted in `joined` (and
    /// registered in slot 0 if its body was parked here), and if the flight
    /// ends first, the flight waits for it in its shard's `away`.
    opener_away: bool,
}

/// A shard's table, as this map fills it.
type Locked<K, V> = Table<Entry<K, V>, Away<V>>;

/// The flight of a closed entry whose detached opener was away: it finds it
/// here when it comes back.
struct Away<V> {
    generation: u64,
    flight: Arc<Flight<V>>,
}

/// Who shares an entry's flight.
enum Party<V> {
    /// Its opener, polling its own future: nobody joined yet.
    Alone,
    /// The opener of a detached flight, polling the body alone. The body is
    /// parked here, with the opener's waker, while the opener is not polling
    /// it, so that a caller who joins can take it over; `None` while it is.
    AloneDetached(Option<Box<Parked<V>>>),
    /// Another caller joined: the flight they share.
    Joined(Arc<Flight<V>>),
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
    /// It opened a detached flight and polls its body, alone until someone joins.
    Alone(Place),
    /// It joined a flight someone else leads or drives; it registers in the
    /// flight next.
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
        match &self.entry.party {
            Party::Joined(flight) => Some((flight, self.entry.joined as usize)),
            Party::Alone | Party::AloneDetached(_) => None,
        }
    }
}

impl<K, V> Map<K, V> {
    pub(crate) const fn new() -> Self {
        Self {
            shards: OnceLock::new(),
        }
    }

    fn shards(&self) -> &Shards<Entry<K, V>, Away<V>> {
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
    /// `by_opener`: the detached flight's opener ended it, and is back.
    pub(crate) fn close(&self, place: Place, by_opener: bool) -> Option<Removed<K, V>> {
        let mut table = self.shards().lock(place.hash);
        let mut removed = take(&mut table, place)?;
        let entry = &mut removed.entry;
        if entry.opener_away {
            if by_opener {
                // The opener ended the flight itself: it is owed nothing.
                entry.opener_away = false;
                entry.joined -= 1;
            } else if let Party::Joined(flight) = &entry.party {
                // Its opener will come back for its share: the flight waits for it.
                let flight = Arc::clone(flight);
                table.away.push(Away {
                    generation: place.generation,
                    flight,
                });
            }
        }
        Some(removed)
    }

    /// The caller leading the entry at `place` went away before its body
    /// finished: promote a follower, or remove the entry when nobody waits.
    pub(crate) fn abandon(&self, place: Place) {
        let mut table = self.shards().lock(place.hash);
        let Some(entry) = find(&mut table, place) else {
            return;
        };
        let Party::Joined(flight) = &entry.party else {
            // Nobody joined: the entry goes, with a detached body parked in it.
            let removed = take(&mut table, place);
            drop(table);
            drop(removed);
            return;
        };
        match flight.hand_off(entry.joined as usize) {
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

/// What the opener of a detached flight finds when it comes back to the map.
pub(crate) enum Return<V> {
    /// Still alone: its body, to poll.
    Alone(BoxFuture<V>),
    /// A caller joined and took over the body: the opener waits in slot 0
    /// of the flight they share, which may have ended meanwhile.
    Joined(Arc<Flight<V>>),
}

/// The opener of a detached flight waits in this slot of the flight that a
/// caller who joined gave its parked body.
pub(crate) const OPENER_SLOT: usize = 0;

impl<K, V> Map<K, V> {
    /// The opener of the detached flight at `place` comes back for its body.
    pub(crate) fn take_alone(&self, place: Place) -> Return<V> {
        let mut table = self.shards().lock(place.hash);
        if let Some(Entry {
            party: Party::AloneDetached(parked),
            ..
        }) = find(&mut table, place)
        {
            let Some(parked) = parked.take() else {
                unreachable!("an opener that is not polling its body parked it")
            };
            drop(table);
            let Parked { body, waker } = *parked;
            drop(waker);
            return Return::Alone(body);
        }
        Return::Joined(come_back(&mut table, place))
    }

    /// Parks the body the opener of the detached flight at `place` polled
    /// alone, with the opener's waker. Returns the flight a caller who joined
    /// meanwhile gave it: the body goes there, and the opener registers in it.
    pub(crate) fn park_alone(
        &self,
        place: Place,
        body: BoxFuture<V>,
        waker: Waker,
    ) -> Option<Arc<Flight<V>>> {
        let mut table = self.shards().lock(place.hash);
        if let Some(Entry {
            party: Party::AloneDetached(parked),
            ..
        }) = find(&mut table, place)
        {
            *parked = Some(Box::new(Parked { body, waker }));
            return None;
        }
        let flight = come_back(&mut table, place);
        drop(table);
        flight.park(body);
        Some(flight)
    }

    /// The opener of the detached flight at `place` is dropped: alone, it
    /// removes the entry and drops the body parked there; otherwise it
    /// leaves the flight it shares like any caller.
    pub(crate) fn leave_alone(&self, place: Place) {
        let mut table = self.shards().lock(place.hash);
        if let Some(Entry {
            party: Party::AloneDetached(_),
            ..
        }) = find(&mut table, place)
        {
            let removed = take(&mut table, place);
            drop(table);
            drop(removed);
            return;
        }
        let flight = come_back(&mut table, place);
        drop(table);
        if let Departure::MustHandOff = flight.leave(OPENER_SLOT) {
            self.abandon(place);
        }
    }
}

impl<K: Hash + Eq, V: Send + 'static> Map<K, V> {
    /// Joins the flight for `key` as a follower, or opens an entry that the
    /// caller leads (`detached`: whose body it brought, to be boxed). A
    /// follower's key comes back unused, to be dropped once the caller is
    /// registered and can clean up after a panicking `Drop`.
    pub(crate) fn join(&self, key: K, detached: bool) -> (Joined<V>, Option<K>) {
        let shards = self.shards();
        let hash = shards.hash(&key);
        enter(&mut shards.lock(hash), hash, key, detached)
    }
}

impl<K: Hash + Eq, V> Map<K, V> {
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
    fn count_one_more(&mut self) {
        // Four billion callers of one flight would hold terabytes of futures.
        self.joined = self
            .joined
            .checked_add(1)
            .expect("more than 2^32 callers joined one flight");
    }

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
/// opens an entry for `key`. One probe of the table either way.
fn enter<K: Eq, V: Send + 'static>(
    table: &mut Locked<K, V>,
    hash: u64,
    key: K,
    detached: bool,
) -> (Joined<V>, Option<K>) {
    let found = table
        .entries
        .entry(hash, |entry| entry.is(&key), |entry| entry.hash);
    // Counted once the key's `Eq` is past: a call it fails never joined.
    table.calls += 1;
    let vacant = match found {
        hash_table::Entry::Occupied(occupied) => {
            let entry = occupied.into_mut();
            if let Party::AloneDetached(_) = entry.party {
                // Its opener becomes a caller of the flight it now shares,
                // owed the outcome like the others until it comes back.
                entry.opener_away = true;
                entry.count_one_more();
            }
            let flight = entry.party.shared();
            entry.count_one_more();
            let joined = Joined::Follows {
                place: Place {
                    hash,
                    generation: entry.generation,
                },
                flight,
                ticket: entry.joined as usize,
            };
            return (joined, Some(key));
        }
        hash_table::Entry::Vacant(vacant) => vacant,
    };
    let generation = table.next_generation;
    table.next_generation += 1;
    table.opened += 1;
    let place = Place { hash, generation };
    let (party, joined) = if detached {
        (Party::AloneDetached(None), Joined::Alone(place))
    } else {
        (Party::Alone, Joined::Leads(place))
    };
    vacant.insert(Entry {
        hash,
        generation,
        key,
        party,
        joined: 0,
        forgotten: false,
        opener_away: false,
    });
    (joined, None)
}

impl<V: Send + 'static> Party<V> {
    /// The flight a caller joins: the first to join gives it its shared
    /// state, and a detached body that its opener parked.
    fn shared(&mut self) -> Arc<Flight<V>> {
        let flight = match self {
            Party::Joined(flight) => return Arc::clone(flight),
            Party::Alone => Arc::new(Flight::new()),
            Party::AloneDetached(parked) => Flight::detached(parked.take()),
        };
        *self = Party::Joined(Arc::clone(&flight));
        flight
    }
}

/// The flight a detached opener that was away comes back to: its entry's,
/// or the one its entry left in `away` when the flight ended.
fn come_back<K, V>(table: &mut Locked<K, V>, place: Place) -> Arc<Flight<V>> {
    if let Some(entry) = find(table, place) {
        if let (true, Party::Joined(flight)) = (entry.opener_away, &entry.party) {
            entry.opener_away = false;
            return Arc::clone(flight);
        }
    }
    let Some(index) = table
        .away
        .iter()
        .position(|away| away.generation == place.generation)
    else {
        unreachable!("an away opener's flight waits in its entry or in `away`")
    };
    table.away.swap_remove(index).flight
}

fn find<K, V>(table: &mut Locked<K, V>, place: Place) -> Option<&mut Entry<K, V>> {
    table
        .entries
        .find_mut(place.hash, |entry| entry.generation == place.generation)
}

fn take<K, V>(table: &mut Locked<K, V>, place: Place) -> Option<Removed<K, V>> {
    let found = table
        .entries
        .find_entry(place.hash, |entry| entry.generation == place.generation);
    let entry = found.ok()?.remove().0;
    if entry.forgotten {
        table.forgotten -= 1;
    }
    Some(Removed { entry })
}
