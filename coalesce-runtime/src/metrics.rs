//! The `metrics` feature: a group's counters, also recorded through the
//! `metrics` facade crate, so whatever exporter a service installed
//! (Prometheus, OpenTelemetry, StatsD) picks them up.
//!
//! | metric | kind | unit | what |
//! |---|---|---|---|
//! | `coalesce_calls_total` | counter | count | `Stats::calls` |
//! | `coalesce_executions_total` | counter | count | `Stats::executions` |
//! | `coalesce_joined_total` | counter | count | `Stats::joined` |
//! | `coalesce_promotions_total` | counter | count | `Stats::promotions` |
//! | `coalesce_panics_total` | counter | count | `Stats::panics` |
//! | `coalesce_flight_callers` | histogram | count | callers one flight served |
//!
//! Each has one label, `function`: the name `coalesce::stats()` lists the
//! function under, or `events::UNNAMED` (`Group`) for a plain `Group`, a
//! `group = PATH` one included (the group has no name of its own, and may be
//! shared).
//!
//! The handles are registered once per group, at its first call, with the
//! recorder installed then; after that a call costs one atomic load to find
//! them and one increment per counter it moves, and allocates nothing.

use std::sync::OnceLock;

use ::metrics::{Counter, Histogram, Unit};

/// The label every metric carries.
const FUNCTION: &str = "function";

const CALLS: &str = "coalesce_calls_total";
const EXECUTIONS: &str = "coalesce_executions_total";
const JOINED: &str = "coalesce_joined_total";
const PROMOTIONS: &str = "coalesce_promotions_total";
const PANICS: &str = "coalesce_panics_total";
const FLIGHT_CALLERS: &str = "coalesce_flight_callers";

/// A group's metric handles, registered at its first call.
#[derive(Debug, Default)]
pub(crate) struct Recorded(OnceLock<Handles>);

#[derive(Debug)]
struct Handles {
    calls: Counter,
    executions: Counter,
    joined: Counter,
    promotions: Counter,
    panics: Counter,
    flight_callers: Histogram,
}

impl Recorded {
    pub(crate) const fn new() -> Self {
        Self(OnceLock::new())
    }

    /// A call joined or opened a flight: the first call of the group
    /// registers its handles under `function`.
    pub(crate) fn called(&self, function: &'static str, leading: bool) {
        let handles = self.0.get_or_init(|| Handles::register(function));
        handles.calls.increment(1);
        if leading {
            handles.executions.increment(1);
        }
    }

    pub(crate) fn joined(&self) {
        if let Some(handles) = self.0.get() {
            handles.joined.increment(1);
        }
    }

    pub(crate) fn promoted(&self) {
        if let Some(handles) = self.0.get() {
            handles.promotions.increment(1);
            handles.executions.increment(1);
        }
    }

    pub(crate) fn panicked(&self) {
        if let Some(handles) = self.0.get() {
            handles.panics.increment(1);
        }
    }

    /// A flight ended with a value or a panic, which `callers` received.
    pub(crate) fn ended(&self, callers: usize) {
        if let Some(handles) = self.0.get() {
            #[expect(
                clippy::cast_precision_loss,
                reason = "exact below 2^53 callers in one flight"
            )]
            handles.flight_callers.record(callers as f64);
        }
    }
}

impl Handles {
    fn register(function: &'static str) -> Self {
        describe();
        Self {
            calls: ::metrics::counter!(CALLS, FUNCTION => function),
            executions: ::metrics::counter!(EXECUTIONS, FUNCTION => function),
            joined: ::metrics::counter!(JOINED, FUNCTION => function),
            promotions: ::metrics::counter!(PROMOTIONS, FUNCTION => function),
            panics: ::metrics::counter!(PANICS, FUNCTION => function),
            flight_callers: ::metrics::histogram!(FLIGHT_CALLERS, FUNCTION => function),
        }
    }
}

/// Units and descriptions, told to the recorder with each group's handles
/// (it may be a different recorder from one group to the next).
fn describe() {
    let counters = [
        (CALLS, "Calls that joined or opened a flight"),
        (
            EXECUTIONS,
            "Bodies that started, promoted followers' included",
        ),
        (
            JOINED,
            "Calls that returned a value another call's body produced",
        ),
        (
            PROMOTIONS,
            "Followers that took over after their leader was dropped",
        ),
        (PANICS, "Bodies that panicked"),
    ];
    for (name, description) in counters {
        ::metrics::describe_counter!(name, Unit::Count, description);
    }
    ::metrics::describe_histogram!(
        FLIGHT_CALLERS,
        Unit::Count,
        "Callers one flight served, recorded when it ends with a value or a panic"
    );
}
