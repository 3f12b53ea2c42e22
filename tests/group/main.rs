//! Behaviour of `coalesce::Group`, one module per rule of DESIGN.md's
//! "Semantics of one call", plus the API surface and the global `run`.

#[path = "../support/mod.rs"]
mod support;

mod all_cancelled;
mod api;
mod blocking;
mod dedup;
mod delivery;
mod first_poll;
mod global_run;
mod issue11;
mod leader_cancelled;
mod locks;
mod no_caching;
mod panics;
mod reentrancy;
mod runtimes;
mod shared_errors;
mod stats;
