//! The fleet's part of a `#[coalesce(key = ..., fleet)]` body: the body is
//! wrapped in a flight across replicas before local coalescing runs it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::FunctionGroups;
use crate::fleet::codec::Json;
use crate::fleet::{Fleet, Flight};

/// The body, run across the fleet: `fleet` when the attribute names one
/// (`fleet = EXPR`), else the installed fleet, else here only. The flight is
/// known as `name` (`fleet_name = "..."`) or as the function's name.
pub fn fleet_body<Tag, K, V, F>(
    groups: &'static FunctionGroups,
    _tag: Tag,
    fleet: Option<&Fleet>,
    name: Option<&'static str>,
    key: &K,
    body: F,
) -> impl Future<Output = V>
where
    Tag: 'static,
    K: Serialize,
    V: Serialize + DeserializeOwned,
    F: Future<Output = V>,
{
    let name = name.unwrap_or_else(|| groups.name::<Tag>());
    let flight = match fleet.cloned().or_else(Fleet::installed) {
        Some(fleet) => fleet.flight(name, key),
        None => {
            warn_not_installed(name);
            Flight::here(name)
        }
    };
    flight.run::<V, Json, F>(body)
}

/// Says once per process that `fleet` functions run without a fleet.
fn warn_not_installed(name: &str) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Relaxed) {
        tracing::warn!(
            target: "coalesce",
            function = name,
            "coalesce fleet: {name} is `#[coalesce(fleet)]` but no fleet is installed: \
             call `Fleet::install` at startup. Until then it coalesces within this process only"
        );
    }
}
