//! Maps that live in a `static` but whose type is only known at the call:
//! one per annotated function (its key type is inferred), and the
//! process-wide map behind [`run`](crate::run).

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::events::Label;
use crate::group::Group;
use crate::stats::Stats;

type Shared = &'static (dyn Any + Send + Sync);

/// The groups of every annotated function, in the order they were first used.
static NAMED_GROUPS: Mutex<Vec<(&'static str, &'static dyn StatsSource)>> = Mutex::new(Vec::new());

trait StatsSource: Sync {
    fn stats(&self) -> Stats;
}

impl<K: Sync + Send, V: Send> StatsSource for Group<K, V> {
    fn stats(&self) -> Stats {
        Group::stats(self)
    }
}

/// The counters of every `#[coalesce]` function used so far, named by module
/// path and function name (`my_app::repo::find_user`), sorted by name. The
/// instantiations of a generic function are summed into one row.
///
/// ```
/// use coalesce_runtime::stats;
///
/// for (function, stats) in stats() {
///     println!("{function}: {} calls, {} saved", stats.calls, stats.joined);
/// }
/// ```
#[must_use]
pub fn stats() -> Vec<(&'static str, Stats)> {
    let groups = NAMED_GROUPS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut by_name = BTreeMap::<&'static str, Stats>::new();
    for (name, group) in groups {
        let total = by_name.entry(name).or_default();
        *total = *total + group.stats();
    }
    by_name.into_iter().collect()
}

/// One value of each requested type, created on first request and kept for
/// the life of the process: one per `(Tag, T)` pair, so the number of leaked
/// values is bounded by the number of types in the program.
///
/// The first type requested is found without a lock, which is the only one a
/// non-generic function ever asks for; later types go through a locked map.
#[doc(hidden)]
pub struct TypeMap {
    name: Option<&'static str>,
    first: OnceLock<(TypeId, Shared)>,
    others: Mutex<Option<HashMap<TypeId, Shared>>>,
}

impl TypeMap {
    /// An empty map, for a `static`.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            name: None,
            first: OnceLock::new(),
            others: Mutex::new(None),
        }
    }

    /// An empty map whose groups are listed by [`stats`] under `name`.
    #[must_use]
    pub const fn named(name: &'static str) -> Self {
        Self {
            name: Some(name),
            first: OnceLock::new(),
            others: Mutex::new(None),
        }
    }

    /// The `T` stored for `Tag`, created with `T::default()` on first use.
    /// Distinct `(Tag, T)` pairs never share a value.
    pub fn get<Tag, T>(&self) -> &'static T
    where
        Tag: ?Sized + 'static,
        T: Default + Send + Sync + 'static,
    {
        self.get_or_create::<Tag, T>(|| Box::leak(Box::<T>::default()))
    }

    /// The group stored for `Tag`, created on first use with this map's name
    /// and `describe` (the key's `Debug` form, when it has one, for tracing)
    /// and then listed by [`stats`].
    pub fn group<Tag, K, V>(&self, describe: fn(&K) -> Option<String>) -> &'static Group<K, V>
    where
        Tag: ?Sized + 'static,
        K: Hash + Eq + Send + Sync + 'static,
        V: Clone + Send + 'static,
    {
        self.get_or_create::<Tag, Group<K, V>>(|| {
            let name = self.name.unwrap_or("anonymous");
            let group: &'static Group<K, V> =
                Box::leak(Box::new(Group::labelled(Label { name, describe })));
            if self.name.is_some() {
                let mut named = NAMED_GROUPS.lock().unwrap_or_else(PoisonError::into_inner);
                named.push((name, group));
            }
            group
        })
    }

    fn get_or_create<Tag, T>(&self, create: impl Fn() -> &'static T) -> &'static T
    where
        Tag: ?Sized + 'static,
        T: Send + Sync + 'static,
    {
        let id = TypeId::of::<(&'static Tag, T)>();
        let create = || -> Shared { create() };
        let &(first_id, first) = self.first.get_or_init(|| (id, create()));
        let shared = if first_id == id {
            first
        } else {
            *self
                .others
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert_with(HashMap::new)
                .entry(id)
                .or_insert_with(create)
        };
        match shared.downcast_ref::<T>() {
            Some(value) => value,
            None => unreachable!("a TypeMap entry has the type its id names"),
        }
    }
}

impl Default for TypeMap {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TypeMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeMap").finish_non_exhaustive()
    }
}
