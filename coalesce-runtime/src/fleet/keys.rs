//! Where one key's flight lives in Redis, and the tokens that tell one
//! lease holder from the next.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The Redis names of one flight: `{namespace}:{{name}:{key}}` is the
/// channel, and the lease and the results hang under it. The braces are a
/// Redis Cluster hash tag, so the scripts' keys share a slot.
#[derive(Clone, Debug)]
pub(crate) struct FlightKeys {
    channel: String,
}

impl FlightKeys {
    /// `key` is the key's stable encoding (its JSON text).
    pub(crate) fn new(namespace: &str, name: &str, key: &str) -> Self {
        Self {
            channel: format!("{namespace}:{{{name}:{key}}}"),
        }
    }

    /// The channel a flight's outcome is published on.
    pub(crate) fn channel(&self) -> &str {
        &self.channel
    }

    /// The lease: the holder's token, with the lease's expiry.
    pub(crate) fn lease(&self) -> String {
        format!("{}:lease", self.channel)
    }

    /// The outcome of the flight whose lease holder was `token`, kept for
    /// followers that re-check instead of hearing the message. Only those
    /// who know the token find it: a new call never reads a finished flight.
    pub(crate) fn outcome(&self, token: &str) -> String {
        format!("{}:outcome:{token}", self.channel)
    }
}

/// The length of a [`token`], which messages start with.
pub(crate) const TOKEN_LEN: usize = 32;

/// A new lease token: 64 random bits drawn once per process, then a counter,
/// in hex. Unique across the fleet without a random-number crate.
pub(crate) fn token() -> String {
    static PROCESS: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| {
        // `RandomState` is seeded from the OS; the clock and pid add more.
        let mut hasher = RandomState::new().build_hasher();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        hasher.write_u128(now.as_nanos());
        hasher.write_u32(std::process::id());
        hasher.finish()
    });
    format!("{process:016x}{:016x}", NEXT.fetch_add(1, Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_share_one_hash_tag() {
        let keys = FlightKeys::new("app", "users::find", "7");
        assert_eq!(keys.channel(), "app:{users::find:7}");
        assert_eq!(keys.lease(), "app:{users::find:7}:lease");
        assert_eq!(keys.outcome("t"), "app:{users::find:7}:outcome:t");
    }

    #[test]
    fn tokens_are_unique_and_fixed_length() {
        let (a, b) = (token(), token());
        assert_ne!(a, b);
        assert_eq!((a.len(), b.len()), (TOKEN_LEN, TOKEN_LEN));
    }
}
