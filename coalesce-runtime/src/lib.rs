//! The in-flight map behind the [`coalesce`](https://docs.rs/coalesce) crate.
//!
//! Use it through `coalesce`, which re-exports everything public here along
//! with the `#[coalesce]` attribute. [`Group`] is a map of in-flight
//! executions: concurrent calls with equal keys share one execution, and every
//! caller receives a clone of its value. [`run`] does the same with one
//! process-wide map.
//!
//! No async runtime is required: the leader polls its own future inline, and
//! followers wait on their own wakers. Nothing is spawned, and no timer is used.
//!
//! With the `metrics` feature, every group's counters are also recorded
//! through the `metrics` facade crate; the `coalesce` crate's docs list the
//! metrics and their label.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The core's imports run one way: `group` (the public API) → `call` (one
// caller's future) → `ending` (sharing or failing a result) → `map` (the
// entries) → `flight` (one execution's shared state) → `detached` (a body
// the flight owns).
mod call;
mod detached;
mod ending;
mod flight;
mod group;
mod map;

mod blocking;
mod events;
#[cfg(feature = "fleet")]
mod fleet;
mod global;
#[doc(hidden)]
pub mod macro_support;
#[cfg(feature = "metrics")]
mod metrics;
mod panic_message;
mod registry;
mod shared_error;
mod stats;
mod sync;
mod type_map;

pub use events::log_keys;
#[cfg(feature = "fleet")]
#[cfg_attr(docsrs, doc(cfg(feature = "fleet")))]
pub use fleet::{Fleet, FleetBuilder, FleetError, FleetStats, RemoteError};
pub use global::run;
pub use group::Group;
pub use registry::{stats, stats_table, StatsTable};
pub use shared_error::{ShareError, SharedError};
pub use stats::Stats;
