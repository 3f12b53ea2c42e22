//! What the fleet did, counted: flights led here, outcomes received from
//! other replicas, and flights that ran locally because Redis could not help.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A snapshot of a [`Fleet`](super::Fleet)'s counters since it connected.
///
/// Each counts flights, not callers: local callers of one key share one
/// flight before it reaches Redis. A function's [`Stats`](crate::Stats)
/// count such a flight as one execution wherever its body ran; `led` and
/// the local-run counters here say where it did.
///
/// ```
/// let stats = coalesce::FleetStats::default();
/// assert_eq!(stats.to_string(), "0 led, 0 received, 0 failed open, 0 ran locally, 0 remote panics");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FleetStats {
    /// Flights whose body ran here, holding the key's lease.
    pub led: u64,
    /// Flights that returned the value another replica's body produced.
    pub received: u64,
    /// Flights that ran the body here because Redis did not answer in time
    /// or failed (fail open).
    pub failed_open: u64,
    /// Flights that ran the body here because the leader's value could not
    /// travel: too large, or not encodable or decodable as JSON.
    pub ran_locally: u64,
    /// Flights that panicked because another replica's body panicked.
    pub remote_panics: u64,
}

impl fmt::Display for FleetStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} led, {} received, {} failed open, {} ran locally, {} remote panics",
            self.led, self.received, self.failed_open, self.ran_locally, self.remote_panics
        )
    }
}

/// The live counters behind [`FleetStats`].
#[derive(Default)]
pub(super) struct Counters {
    pub(super) led: AtomicU64,
    pub(super) received: AtomicU64,
    pub(super) failed_open: AtomicU64,
    pub(super) ran_locally: AtomicU64,
    pub(super) remote_panics: AtomicU64,
}

impl Counters {
    pub(super) fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(super) fn snapshot(&self) -> FleetStats {
        FleetStats {
            led: self.led.load(Relaxed),
            received: self.received.load(Relaxed),
            failed_open: self.failed_open.load(Relaxed),
            ran_locally: self.ran_locally.load(Relaxed),
            remote_panics: self.remote_panics.load(Relaxed),
        }
    }
}
