//! How much work a group saved, read as a [`Stats`] snapshot. Calls and the
//! flights they open are counted by the map's shards, under the lock a call
//! takes anyway; the rarer events (a follower served, a promotion, a panic)
//! with relaxed atomics here. With the `metrics` feature, the same events are
//! recorded through the `metrics` facade too (`crate::metrics`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::events::Label;

/// A snapshot of a group's counters since it was created.
///
/// `joined` is the load coalescing saved: calls served by an execution
/// another call ran. The counters are read one by one while calls go on, so a
/// snapshot taken under load may be off by the calls in progress.
///
/// ```
/// # futures::executor::block_on(async {
/// let group = coalesce::Group::<u8, u8>::new();
/// group.run(1, async { 10 }).await;
/// let stats = group.stats();
/// assert_eq!((stats.calls, stats.executions, stats.joined), (1, 1, 0));
/// # });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls that joined or opened a flight (at their first poll).
    pub calls: u64,
    /// Bodies that started: one per leader, including promoted followers.
    pub executions: u64,
    /// Calls that returned a value another call's body produced.
    pub joined: u64,
    /// Followers that took over after their leader was dropped.
    pub promotions: u64,
    /// Bodies that panicked.
    pub panics: u64,
    /// Keys with an execution in flight when the snapshot was taken.
    pub in_flight: usize,
}

impl std::ops::Add for Stats {
    type Output = Stats;

    /// Sums two snapshots, e.g. the instantiations of one generic function.
    fn add(self, other: Stats) -> Stats {
        Stats {
            calls: self.calls + other.calls,
            executions: self.executions + other.executions,
            joined: self.joined + other.joined,
            promotions: self.promotions + other.promotions,
            panics: self.panics + other.panics,
            in_flight: self.in_flight + other.in_flight,
        }
    }
}

/// One line: `12 calls, 3 executions, 9 joined, 0 promotions, 0 panics, 0 in
/// flight`.
///
/// ```
/// # futures::executor::block_on(async {
/// let group = coalesce::Group::<u8, u8>::new();
/// group.run(1, async { 10 }).await;
/// assert_eq!(
///     group.stats().to_string(),
///     "1 call, 1 execution, 0 joined, 0 promotions, 0 panics, 0 in flight",
/// );
/// # });
/// ```
impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |count: u64| if count == 1 { "" } else { "s" };
        write!(
            f,
            "{} call{}, {} execution{}, {} joined, {} promotion{}, {} panic{}, {} in flight",
            self.calls,
            plural(self.calls),
            self.executions,
            plural(self.executions),
            self.joined,
            self.promotions,
            plural(self.promotions),
            self.panics,
            plural(self.panics),
            self.in_flight,
        )
    }
}

/// What a group's map counts: calls, the flights they opened, and the
/// entries in flight now.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub(crate) calls: u64,
    pub(crate) opened: u64,
    pub(crate) in_flight: usize,
}

/// A group's counters. With the `metrics` feature they are recorded through
/// the `metrics` facade too; without it that field and every call to it are
/// gone.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    joined: AtomicU64,
    promotions: AtomicU64,
    panics: AtomicU64,
    #[cfg(feature = "metrics")]
    recorded: crate::metrics::Recorded,
}

impl Counters {
    pub(crate) const fn new() -> Self {
        Self {
            joined: AtomicU64::new(0),
            promotions: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            #[cfg(feature = "metrics")]
            recorded: crate::metrics::Recorded::new(),
        }
    }

    /// A call joined or opened a flight of the group `label` names (`None`
    /// for a plain `Group`); the map counted it already.
    pub(crate) fn called<K>(&self, leading: bool, label: Option<&Label<K>>) {
        #[cfg(feature = "metrics")]
        self.recorded
            .called(crate::events::function(label), leading);
        #[cfg(not(feature = "metrics"))]
        let _ = (leading, label);
    }

    pub(crate) fn joined(&self) {
        self.joined.fetch_add(1, Relaxed);
        #[cfg(feature = "metrics")]
        self.recorded.joined();
    }

    pub(crate) fn promoted(&self) {
        self.promotions.fetch_add(1, Relaxed);
        #[cfg(feature = "metrics")]
        self.recorded.promoted();
    }

    /// A flight's body panicked: the flight ends, failing the caller that
    /// ran it and its `followers` (worked out only for metrics).
    pub(crate) fn panicked(&self, followers: impl FnOnce() -> usize) {
        self.panics.fetch_add(1, Relaxed);
        #[cfg(feature = "metrics")]
        {
            self.recorded.panicked();
            self.recorded.ended(followers() + 1);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = followers;
    }

    /// A flight ended with a value, which its body's caller and `followers`
    /// others received.
    pub(crate) fn ended(&self, followers: usize) {
        #[cfg(feature = "metrics")]
        self.recorded.ended(followers + 1);
        #[cfg(not(feature = "metrics"))]
        let _ = followers;
    }

    /// The snapshot, from what the map counted and what was counted here.
    pub(crate) fn snapshot(&self, map: Tally) -> Stats {
        let promotions = self.promotions.load(Relaxed);
        Stats {
            calls: map.calls,
            executions: map.opened + promotions,
            joined: self.joined.load(Relaxed),
            promotions,
            panics: self.panics.load(Relaxed),
            in_flight: map.in_flight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Stats;

    #[test]
    fn stats_read_as_one_line() {
        let one = Stats {
            calls: 1,
            executions: 1,
            promotions: 1,
            panics: 1,
            ..Stats::default()
        };
        assert_eq!(
            one.to_string(),
            "1 call, 1 execution, 0 joined, 1 promotion, 1 panic, 0 in flight"
        );
        let many = Stats {
            calls: 12,
            executions: 3,
            joined: 9,
            in_flight: 2,
            ..Stats::default()
        };
        assert_eq!(
            many.to_string(),
            "12 calls, 3 executions, 9 joined, 0 promotions, 0 panics, 2 in flight"
        );
    }
}
