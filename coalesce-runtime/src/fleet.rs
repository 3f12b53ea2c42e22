//! Coalescing across processes: one execution per key for every replica
//! that shares a Redis.
//!
//! Local coalescing stays in front: a process sends one request per key to
//! Redis however many of its callers wait. The process whose request takes
//! the key's lease runs the body and publishes the result; the others wake
//! on that message (no polling) and return it. A dead leader's lease
//! expires and another replica takes over; an unreachable Redis means each
//! process runs the body itself (fail open), never a hang. The protocol is
//! in `flight` and `lead`; `redis_backend` speaks it to Redis.

mod backend;
pub(crate) mod codec;
mod config;
mod error;
mod flight;
mod health;
mod installed;
mod keys;
mod lead;
mod outcome;
mod redis_backend;
mod scripts;
mod stats;
mod warnings;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use backend::Backend;
pub use codec::RemoteError;
pub use config::FleetBuilder;
use config::Settings;
pub use error::FleetError;
pub(crate) use flight::Flight;
use health::Health;
use keys::FlightKeys;
use redis_backend::RedisBackend;
use stats::Counters;
pub use stats::FleetStats;
use warnings::Warnings;

/// A connection to the Redis that a fleet of replicas shares, for
/// coalescing across them: `#[coalesce(key = ..., fleet)]` and
/// [`Group::run_fleet`](crate::Group::run_fleet). Cheap to clone: clones
/// share one connection and one set of counters.
///
/// ```no_run
/// use coalesce::{coalesce, Fleet};
///
/// #[coalesce(key = "id", fleet)]
/// async fn find_user(id: u64) -> Option<String> {
///     Some(format!("user {id}")) // the query every replica would run
/// }
///
/// # async fn start() {
/// match Fleet::connect("redis://127.0.0.1:6379").await {
///     Ok(fleet) => fleet.install(),
///     // Without a fleet, calls still coalesce within this process.
///     Err(error) => eprintln!("no fleet: {error}"),
/// }
/// assert_eq!(find_user(7).await.as_deref(), Some("user 7"));
/// # }
/// ```
#[derive(Clone)]
pub struct Fleet {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Box<dyn Backend>,
    settings: Settings,
    /// Redis's address, for messages (never the URL: it may hold a password).
    address: String,
    counters: Counters,
    warnings: Warnings,
    health: Health,
    runtime: tokio::runtime::Handle,
}

impl Fleet {
    /// Connects to the Redis at `url` with the default settings; see
    /// [`builder`](Fleet::builder) for the others.
    ///
    /// # Errors
    ///
    /// As for [`FleetBuilder::connect`].
    ///
    /// # Cancel safety
    ///
    /// As for [`FleetBuilder::connect`].
    ///
    /// # Panics
    ///
    /// Never, as [`FleetBuilder::connect`].
    pub async fn connect(url: &str) -> Result<Fleet, FleetError> {
        Self::builder(url).connect().await
    }

    /// Settings for a fleet on the Redis at `url`: `redis://host:port`, with
    /// `/db` and `user:password@` as needed.
    pub fn builder(url: impl Into<String>) -> FleetBuilder {
        FleetBuilder::new(url.into())
    }

    async fn from_builder(builder: FleetBuilder) -> Result<Fleet, FleetError> {
        let FleetBuilder { url, settings } = builder;
        // The runtime that later runs what a drop cannot wait for.
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| FleetError::no_runtime())?;
        let (backend, address) =
            RedisBackend::connect(&url, settings.redis_timeout, runtime.clone()).await?;
        Ok(Fleet {
            inner: Arc::new(Inner {
                backend: Box::new(backend),
                warnings: Warnings::new(settings.warn_interval),
                settings,
                address,
                counters: Counters::default(),
                health: Health::default(),
                runtime,
            }),
        })
    }

    /// What the fleet did since it connected: flights led here, values
    /// received from other replicas, flights that ran locally.
    /// (Example: [`FleetStats`]'.)
    #[must_use]
    pub fn stats(&self) -> FleetStats {
        self.inner.counters.snapshot()
    }

    /// The flight of `key` for the function `name`, which runs locally when
    /// the key cannot be encoded.
    pub(crate) fn flight<K: Serialize + ?Sized>(&self, name: &str, key: &K) -> Flight {
        let keys = match serde_json::to_string(key) {
            Ok(key) => Some(FlightKeys::new(&self.inner.settings.namespace, name, &key)),
            Err(error) => {
                self.warn(
                    name,
                    &format!("its key could not be encoded as JSON ({error}); running it here"),
                );
                None
            }
        };
        Flight::new(Some(self.clone()), name, keys)
    }

    /// Logs a warning about `name`, at most once per `warn_interval`.
    fn warn(&self, name: &str, message: &str) {
        if let Some(held_back) = self.inner.warnings.permit() {
            tracing::warn!(
                target: "coalesce",
                function = name,
                redis = %self.inner.address,
                held_back,
                "coalesce fleet: {name}: {message}"
            );
        }
    }
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("redis", &self.inner.address)
            .field("namespace", &self.inner.settings.namespace)
            .field("lease", &self.inner.settings.lease)
            .finish_non_exhaustive()
    }
}
