//! Debug events for the `tracing` feature: a call joined an execution, a
//! follower was promoted, a body panicked. Without the feature every function
//! here is empty and [`Subject`] has no size.

/// How an annotated function's group names itself in stats, events and
/// metrics.
pub(crate) struct Label<K> {
    pub(crate) name: &'static str,
    /// The key's `Debug` form, when its type has one.
    #[cfg_attr(
        not(feature = "tracing"),
        expect(dead_code, reason = "read by tracing events")
    )]
    pub(crate) describe: fn(&K) -> Option<String>,
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
/// the key's `Debug` form when the key has one, captured only while debug
/// events are enabled.
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
            Some(label) if tracing::enabled!(tracing::Level::DEBUG) => (label.describe)(key),
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

    pub(crate) fn joined(&self) {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            function = self.function,
            key = self.key,
            "joined an in-flight execution"
        );
    }

    pub(crate) fn promoted(&self) {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            function = self.function,
            key = self.key,
            "leader dropped; this caller now runs its own body for the others"
        );
    }

    pub(crate) fn panicked(&self, message: Option<&str>) {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            function = self.function,
            key = self.key,
            panic = message,
            "the body panicked; every follower panics too"
        );
        #[cfg(not(feature = "tracing"))]
        let _ = message;
    }
}
