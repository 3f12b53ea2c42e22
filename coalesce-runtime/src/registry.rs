//! The groups of annotated functions, listed by [`stats`] under the
//! functions' names, and printed one row each by [`stats_table`].

use std::collections::BTreeMap;
use std::fmt;
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
/// for (function, stats) in coalesce::stats() {
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

/// [`stats()`] as a table to print: one aligned row per function, under a
/// header.
///
/// ```
/// # futures::executor::block_on(async {
/// println!("{}", coalesce::stats_table());
/// # });
/// ```
///
/// prints, for a program with one `#[coalesce]` function:
///
/// ```text
/// function                   calls  executions  joined  promotions  panics  in flight
/// my_app::UserRepo::find      1000          10     990           0       0          0
/// ```
#[must_use]
pub fn stats_table() -> StatsTable {
    StatsTable::from(stats())
}

/// Rows of counters, shown as an aligned table by its `Display`: a header,
/// then one row per function, in the order given, without a trailing
/// newline. [`stats_table`] makes one of [`stats()`]; any rows, such as
/// those of your own [`Group`]s, make one too.
///
/// ```
/// use coalesce::{Group, Stats, StatsTable};
///
/// static USERS: Group<u64, String> = Group::new();
///
/// # futures::executor::block_on(async {
/// USERS.run(7, async { String::from("Ada") }).await;
/// let table = StatsTable::from(vec![("users", USERS.stats())]);
/// assert_eq!(
///     table.to_string(),
///     "function  calls  executions  joined  promotions  panics  in flight\n\
///      users         1           1       0           0       0          0",
/// );
/// # });
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsTable {
    rows: Vec<(&'static str, Stats)>,
}

impl StatsTable {
    /// The rows, in the order they are printed.
    ///
    /// ```
    /// let table = coalesce::stats_table();
    /// let saved: u64 = table.rows().iter().map(|(_, stats)| stats.joined).sum();
    /// println!("coalescing saved {saved} executions");
    /// ```
    #[must_use]
    pub fn rows(&self) -> &[(&'static str, Stats)] {
        &self.rows
    }
}

impl From<Vec<(&'static str, Stats)>> for StatsTable {
    fn from(rows: Vec<(&'static str, Stats)>) -> Self {
        Self { rows }
    }
}

impl FromIterator<(&'static str, Stats)> for StatsTable {
    fn from_iter<I: IntoIterator<Item = (&'static str, Stats)>>(rows: I) -> Self {
        Self {
            rows: rows.into_iter().collect(),
        }
    }
}

/// How a row reads one column.
type Read = fn(&Stats) -> u64;

/// The table's columns after the function's name: a header, and how a row
/// reads that column.
const COLUMNS: [(&str, Read); 6] = [
    ("calls", |stats| stats.calls),
    ("executions", |stats| stats.executions),
    ("joined", |stats| stats.joined),
    ("promotions", |stats| stats.promotions),
    ("panics", |stats| stats.panics),
    ("in flight", |stats| stats.in_flight as u64),
];

const FUNCTION: &str = "function";

impl fmt::Display for StatsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name_width = self
            .rows
            .iter()
            .map(|(name, _)| name.chars().count())
            .fold(FUNCTION.len(), usize::max);
        let widths = COLUMNS.map(|(header, read)| {
            self.rows
                .iter()
                .map(|(_, stats)| digits(read(stats)))
                .fold(header.len(), usize::max)
        });
        write!(f, "{FUNCTION:<name_width$}")?;
        for ((header, _), width) in COLUMNS.iter().zip(widths) {
            write!(f, "  {header:>width$}")?;
        }
        for (name, stats) in &self.rows {
            write!(f, "\n{name:<name_width$}")?;
            for ((_, read), width) in COLUMNS.iter().zip(widths) {
                write!(f, "  {:>width$}", read(stats))?;
            }
        }
        Ok(())
    }
}

/// How many digits `value` takes in decimal.
fn digits(value: u64) -> usize {
    value.checked_ilog10().map_or(1, |log| log as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::{digits, StatsTable};
    use crate::stats::Stats;

    fn stats(calls: u64, joined: u64, in_flight: usize) -> Stats {
        Stats {
            calls,
            executions: calls - joined,
            joined,
            in_flight,
            ..Stats::default()
        }
    }

    #[test]
    fn digits_count_decimal_places() {
        let cases = [
            (0, 1),
            (9, 1),
            (10, 2),
            (999, 3),
            (1_000, 4),
            (u64::MAX, 20),
        ];
        for (value, count) in cases {
            assert_eq!(digits(value), count, "{value}");
        }
    }

    #[test]
    fn an_empty_table_is_its_header() {
        assert_eq!(
            StatsTable::default().to_string(),
            "function  calls  executions  joined  promotions  panics  in flight"
        );
    }

    #[test]
    fn columns_widen_to_their_longest_name_or_number() {
        let table: StatsTable = [
            (
                "app::Repo::find_user",
                stats(12_345_678_901, 12_345_678_000, 3),
            ),
            ("app::load", stats(2, 1, 0)),
        ]
        .into_iter()
        .collect();
        let expected = [
            "function                    calls  executions       joined  promotions  panics  in flight",
            "app::Repo::find_user  12345678901         901  12345678000           0       0          3",
            "app::load                       2           1            1           0       0          0",
        ];
        assert_eq!(table.to_string(), expected.join("\n"));
    }
}
