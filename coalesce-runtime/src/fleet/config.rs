//! The fleet's settings, and the builder that sets them.

use std::time::Duration;

use super::{Fleet, FleetError};

/// Settings for a [`Fleet`], then [`connect`](FleetBuilder::connect).
///
/// ```no_run
/// use std::time::Duration;
///
/// # async fn start() -> Result<(), coalesce::FleetError> {
/// let fleet = coalesce::Fleet::builder("redis://127.0.0.1:6379")
///     .namespace("orders-api")
///     .lease(Duration::from_secs(2))
///     .redis_timeout(Duration::from_millis(100))
///     .connect()
///     .await?;
/// fleet.install();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `connect`"]
pub struct FleetBuilder {
    pub(super) url: String,
    pub(super) settings: Settings,
}

/// What [`FleetBuilder`] sets.
#[derive(Clone, Debug)]
pub(super) struct Settings {
    pub(super) namespace: String,
    pub(super) lease: Duration,
    pub(super) redis_timeout: Duration,
    pub(super) max_result_bytes: usize,
    pub(super) warn_interval: Duration,
}

impl Settings {
    /// How long a finished flight's outcome stays for followers that
    /// re-check: a follower waits at most one lease before it does.
    pub(super) fn outcome_ttl(&self) -> Duration {
        self.lease + 2 * self.redis_timeout
    }

    /// How often the leader renews its lease: three times per lease, so one
    /// slow or lost renewal does not lose it.
    pub(super) fn renew_every(&self) -> Duration {
        self.lease / 3
    }
}

impl FleetBuilder {
    pub(super) fn new(url: String) -> Self {
        Self {
            url,
            settings: Settings {
                namespace: "coalesce".to_owned(),
                lease: Duration::from_secs(5),
                redis_timeout: Duration::from_millis(500),
                max_result_bytes: 1024 * 1024,
                warn_interval: Duration::from_secs(10),
            },
        }
    }

    /// The prefix of every Redis key and channel the fleet uses (default
    /// `coalesce`). Services that share a Redis but not their functions'
    /// meaning should each have their own.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.settings.namespace = namespace.into();
        self
    }

    /// How long a leader holds a key without renewing (default 5 s). The
    /// leader renews three times per lease while its body runs; when a
    /// replica dies mid-body, another takes over within one lease (plus a
    /// round trip). Shorter recovers faster and costs more renewals.
    ///
    /// # Panics
    ///
    /// If `lease` is under 3 ms, the resolution renewals need.
    pub fn lease(mut self, lease: Duration) -> Self {
        assert!(
            lease >= Duration::from_millis(3),
            "a fleet lease of {lease:?} is too short to renew: use at least 3 ms (5 s is the default)"
        );
        self.settings.lease = lease;
        self
    }

    /// How long any one Redis command may take before the flight runs its
    /// body locally instead (default 500 ms). A call waiting for another
    /// replica notices a Redis that stopped answering within about three
    /// times this (the fleet sends a `PING` per `redis_timeout` while calls
    /// wait), and a closed connection at once. After a failure, flights run
    /// locally without asking Redis for a second.
    ///
    /// # Panics
    ///
    /// If `timeout` is under 1 ms: no command could be answered in time.
    pub fn redis_timeout(mut self, timeout: Duration) -> Self {
        assert!(
            timeout >= Duration::from_millis(1),
            "a redis_timeout of {timeout:?} leaves Redis no time to answer: use at least 1 ms (500 ms is the default)"
        );
        self.settings.redis_timeout = timeout;
        self
    }

    /// The largest result, in bytes of JSON, sent to other replicas (default
    /// 1 MiB). When a result is larger, the leader's callers get it as
    /// usual and other replicas' callers run the body themselves, with a
    /// warning that says so.
    pub fn max_result_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_result_bytes = bytes;
        self
    }

    /// The least time between two warnings about an unreachable Redis or a
    /// result that could not travel (default 10 s); the warnings in between
    /// are counted, not dropped silently.
    pub fn warn_interval(mut self, interval: Duration) -> Self {
        self.settings.warn_interval = interval;
        self
    }

    /// Connects to Redis, with [`redis_timeout`](Self::redis_timeout) to
    /// answer a first `PING`. Once connected, the fleet reconnects on its
    /// own, and flights run locally while Redis is away.
    ///
    /// # Errors
    ///
    /// When the URL is not a Redis URL, no tokio runtime is running, or
    /// Redis does not answer. A service usually logs the error and goes on
    /// without a fleet: its calls still coalesce within the process.
    ///
    /// # Cancel safety
    ///
    /// Dropped before it finishes, it leaves nothing behind: the connection
    /// is closed.
    ///
    /// # Panics
    ///
    /// Never; outside a tokio runtime it returns an error that says so.
    pub async fn connect(self) -> Result<Fleet, FleetError> {
        Fleet::from_builder(self).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::FleetBuilder;

    #[test]
    #[should_panic(expected = "use at least 1 ms")]
    fn a_zero_redis_timeout_is_refused() {
        let _ = FleetBuilder::new("redis://127.0.0.1".to_owned()).redis_timeout(Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "use at least 3 ms")]
    fn a_lease_too_short_to_renew_is_refused() {
        let _ = FleetBuilder::new("redis://127.0.0.1".to_owned()).lease(Duration::from_millis(2));
    }
}
