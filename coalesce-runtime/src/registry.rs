//! The groups of annotated functions, listed by [`stats`] under the
//! functions' names.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::group::Group;
use crate::stats::Stats;

/// Every listed group, in the order it was first used.
static LISTED: Mutex<Vec<(&'static str, &'static dyn StatsSource)>> = Mutex::new(Vec::new());

trait StatsSource: Sync {
    fn stats(&self) -> Stats;
}

impl<K: Sync + Send, V: Send> StatsSource for Group<K, V> {
    fn stats(&self) -> Stats {
        Group::stats(self)
    }
}

/// Lists `group` under `name`, once: a `static` group that several
/// instantiations of a generic function use is counted once.
pub(crate) fn list<K: Sync + Send, V: Send>(name: &'static str, group: &'static Group<K, V>) {
    let group: &'static dyn StatsSource = group;
    let mut listed = LISTED.lock().unwrap_or_else(PoisonError::into_inner);
    let known = listed
        .iter()
        .any(|&(known, other)| known == name && std::ptr::addr_eq(other, group));
    if !known {
        listed.push((name, group));
    }
}

/// The counters of every `#[coalesce]` function used so far, sorted by name.
///
/// A function is named by its path, with the type for a method
/// (`my_app::repo::UserRepo::find`, `<my_app::PgRepo as my_app::Repo>::find`)
/// and without generic arguments: the instantiations of a generic function
/// are summed into one row. A function with `group = PATH` is listed too,
/// with the counters of that group (shared by every function that uses it).
///
/// The names come from [`std::any::type_name`], whose exact form the
/// compiler does not promise: show them, do not parse them.
///
/// ```
/// for (function, stats) in coalesce_runtime::stats() {
///     println!("{function}: {} calls, {} saved", stats.calls, stats.joined);
/// }
/// ```
#[must_use]
pub fn stats() -> Vec<(&'static str, Stats)> {
    let listed = LISTED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut by_name = BTreeMap::<&'static str, Stats>::new();
    for (name, group) in listed {
        let total = by_name.entry(name).or_default();
        *total = *total + group.stats();
    }
    by_name.into_iter().collect()
}
