//! Debug events for the `tracing` feature, under the target `coalesce`: a
//! flight shared its value, a follower was promoted, a body panicked.
//! Without the feature every function here is empty and [`Subject`] has no
//! size.
//!
//! Whether an event carries the key: the function's `log_key = ..` option
//! when it has one, otherwise the process-wide default set by [`log_keys`].

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// The process-wide default of [`log_keys`]: keys are logged.
static LOG_KEYS: AtomicBool = AtomicBool::new(true);

/// Sets whether the `tracing` feature's events carry the key of the call
/// they are about (its `Debug` form), for every function without a
/// `log_key = ..` option of its own. Keys are logged until this is called
/// with `false`.
///
/// Keys are often emails, tokens or other personal data: call
/// `log_keys(false)` at startup to keep them out of the logs, and write
/// `#[coalesce(log_key = true)]` on the functions whose keys may be logged.
/// The precedence, first that applies:
///
/// 1. the function's own `#[coalesce(log_key = true)]` or `log_key = false`;
/// 2. the last call of `log_keys`;
/// 3. keys are logged.
///
/// With `log_key = false`, or `log_keys(false)` and no option, the key's
/// `Debug` is never run. A plain [`Group`](crate::Group) never logs keys.
/// The setting is read when an event is about to be built, so it applies to
/// calls that start after it, in every thread. Without the `tracing`
/// feature there are no events and this only stores the setting.
///
/// ```
/// // At startup: no key in any event, unless a function says `log_key = true`.
/// coalesce::log_keys(false);
/// ```
///
/// The `coalesce` crate's "Tracing events" section lists the events and
/// their fields.
pub fn log_keys(log: bool) {
    LOG_KEYS.store(log, Relaxed);
}

/// How an annotated function's events show its key: its `Debug` form, if it
/// has one, and the function's own `log_key = ..` option, if it has one.
pub struct LogKey<K> {
    /// Formats the key with `Debug`; `None` for a key without `Debug`, or
    /// for `log_key = false`, which never formats it.
    debug: Option<fn(&K) -> String>,
    /// `log_key = true` or `false`; `None` follows [`log_keys`].
    log: Option<bool>,
}

impl<K> LogKey<K> {
    /// The key's `Debug` form, logged as [`log_keys`] says.
    pub(crate) const fn debug(debug: fn(&K) -> String) -> Self {
        Self {
            debug: Some(debug),
            log: None,
        }
    }

    /// A key without `Debug`: never logged.
    pub(crate) const fn opaque() -> Self {
        Self {
            debug: None,
            log: None,
        }
    }

    /// `log_key = false`: `key` is never logged, never formatted.
    #[must_use]
    pub const fn never(_key: &K) -> Self {
        Self {
            debug: None,
            log: Some(false),
        }
    }

    /// `log_key = true`: logged whatever [`log_keys`] says (when the key has
    /// `Debug`).
    #[must_use]
    pub const fn always(self) -> Self {
        Self {
            log: Some(true),
            ..self
        }
    }

    /// The key's `Debug` form, if the key is to be logged.
    #[cfg(feature = "tracing")]
    fn describe(&self, key: &K) -> Option<String> {
        let log = self.log.unwrap_or_else(|| LOG_KEYS.load(Relaxed));
        self.debug.filter(|_| log).map(|debug| debug(key))
    }
}

impl<K> Clone for LogKey<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for LogKey<K> {}

impl<K> std::fmt::Debug for LogKey<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("debug", &self.debug.is_some())
            .field("log", &self.log)
            .finish()
    }
}

/// How an annotated function's group names itself in stats, events and
/// metrics.
pub(crate) struct Label<K> {
    pub(crate) name: &'static str,
    /// Whether and how events show the key.
    #[cfg_attr(
        not(feature = "tracing"),
        expect(dead_code, reason = "read by tracing events")
    )]
    pub(crate) log_key: LogKey<K>,
}

/// How a plain `Group`, which has no name, is called in events and metrics.
#[cfg(any(feature = "tracing", feature = "metrics"))]
pub(crate) const UNNAMED: &str = "Group";

/// The function a group runs, as events and metrics name it.
#[cfg(any(feature = "tracing", feature = "metrics"))]
pub(crate) fn function<K>(label: Option<&Label<K>>) -> &'static str {
    label.map_or(UNNAMED, |label| label.name)
}

/// What an event is about: the function (or "Group" for a plain group) and
/// the key's `Debug` form when it is logged, captured only while debug
/// events of the `coalesce` target are enabled.
pub(crate) struct Subject {
    #[cfg(feature = "tracing")]
    function: &'static str,
    #[cfg(feature = "tracing")]
    key: Option<String>,
}

impl Subject {
    #[cfg(feature = "tracing")]
    pub(crate) fn of<K>(label: Option<&Label<K>>, key: &K) -> Self {
        let key = match label {
            Some(label) if tracing::enabled!(target: "coalesce", tracing::Level::DEBUG) => {
                label.log_key.describe(key)
            }
            _ => None,
        };
        Self {
            function: function(label),
            key,
        }
    }

    #[cfg(not(feature = "tracing"))]
    pub(crate) fn of<K>(_: Option<&Label<K>>, _: &K) -> Self {
        Self {}
    }

    /// The key as a field: its `Debug` form recorded once, with `Display`,
    /// so a `String` key prints as `key="a@b.c"`, not `key="\"a@b.c\""`.
    #[cfg(feature = "tracing")]
    fn key(&self) -> Option<tracing::field::DisplayValue<&str>> {
        self.key.as_deref().map(tracing::field::display)
    }

    /// A flight ended with a value that `callers` calls received: the one
    /// that ran the body and the followers. Flights of one caller are not
    /// reported: nothing was shared.
    pub(crate) fn shared(&self, callers: usize) {
        #[cfg(feature = "tracing")]
        if callers > 1 {
            tracing::debug!(
                target: "coalesce",
                function = self.function,
                key = self.key(),
                callers,
                "one execution shared by several callers"
            );
        }
        #[cfg(not(feature = "tracing"))]
        let _ = callers;
    }

    pub(crate) fn promoted(&self) {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "coalesce",
            function = self.function,
            key = self.key(),
            "leader dropped; this caller now runs its own body for the others"
        );
    }

    pub(crate) fn panicked(&self, message: Option<&str>) {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "coalesce",
            function = self.function,
            key = self.key(),
            panic = message,
            "the body panicked; every follower panics too"
        );
        #[cfg(not(feature = "tracing"))]
        let _ = message;
    }
}
