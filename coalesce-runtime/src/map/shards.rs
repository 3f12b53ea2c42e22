//! How a group's entries are spread: a seeded hasher and a power-of-two
//! number of shards, each a lock and its table, chosen by bits of the hash
//! that the table itself does not use.

use std::hash::{BuildHasher, Hash};
use std::sync::OnceLock;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use crate::sync::{Mutex, MutexGuard};

/// The shards of one group, built at its first call.
pub(super) struct Shards<T, A> {
    /// Randomly seeded per process and per group, so keys taken from
    /// requests cannot be chosen to flood one bucket.
    hasher: RandomState,
    list: Box<[Shard<T, A>]>,
}

/// One lock and its table, on cache lines of its own: two cores working on
/// neighbouring shards do not invalidate each other's lines.
#[repr(align(128))]
pub(super) struct Shard<T, A> {
    table: Mutex<Table<T, A>>,
}

/// A shard's entries, the generation the next entry gets, and what its
/// calls add to the group's counters, counted under the lock they take anyway.
pub(super) struct Table<T, A> {
    pub(super) entries: HashTable<T>,
    /// What closed entries leave for a caller that has yet to come back.
    pub(super) away: Vec<A>,
    pub(super) next_generation: u64,
    /// Entries `forget` hid from lookups; they stay until their flight ends.
    pub(super) forgotten: usize,
    pub(super) calls: u64,
    pub(super) opened: u64,
}

impl<T, A> Shards<T, A> {
    pub(super) fn new() -> Self {
        let list = (0..shard_count())
            .map(|_| Shard {
                table: Mutex::new(Table {
                    entries: HashTable::new(),
                    away: Vec::new(),
                    next_generation: 0,
                    forgotten: 0,
                    calls: 0,
                    opened: 0,
                }),
            })
            .collect();
        Self {
            hasher: RandomState::default(),
            list,
        }
    }

    /// Runs outside every lock: a key's `Hash` is user code.
    pub(super) fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The table `hash` belongs to, locked.
    pub(super) fn lock(&self, hash: u64) -> MutexGuard<'_, Table<T, A>> {
        // hashbrown takes a bucket from the low bits and a tag from the top
        // seven: the shard comes from bits in between, so keys that share a
        // shard still spread over its buckets and tags.
        let index = (hash >> 32) as usize & (self.list.len() - 1);
        self.list[index].table.lock()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = MutexGuard<'_, Table<T, A>>> {
        self.list.iter().map(|shard| shard.table.lock())
    }
}

/// Four shards per core the process may use, a power of two, at most 64:
/// enough that two busy cores seldom pick the same shard, few enough that a
/// group stays small (128 B a shard). Worked out once per process.
fn shard_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        if cfg!(loom) {
            // Two shards keep a model's state space small and still cover
            // keys on different shards.
            return 2;
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        (cores * 4).next_power_of_two().min(64)
    })
}
