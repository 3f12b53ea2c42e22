//! The fleet's part of a `#[coalesce(key = ..., fleet)]` body: the body is
//! wrapped in a flight across replicas before local coalescing runs it.
//!
//! The key must be `Serialize` and the output `Serialize +
//! DeserializeOwned` (a `Result` checked in parts, as for `Clone`): probes
//! answer `Yes` or `No`, `require_fleet_*` calls spanned on the key and the
//! return type fail for `No` with a message that says the fix, and the
//! verdict's `fleet_body` wraps the body (`Yes`) or returns it as it is
//! (`No`, whose error has been reported):
//!
//! ```text
//! fleet_mode! { let fleet = Some(Fleet::clone({ let fleet: &Fleet = &(EXPR); fleet })); } // `fleet = EXPR` only
//! let future = async move { body };
//! fleet_mode! { let future = {
//!     let key_probe = probe(&key);
//!     let output_probe = probe_output(&future);
//!     let verdict = all(
//!         require_fleet_key_serialize(&key_probe, (&key_probe).__coalesce_serialize()),
//!         require_fleet_output_serde(&output_probe, (&output_probe).__coalesce_serde()),
//!     ); // for a `Result`: require_fleet_ok_serde(..), and
//!        // require_fleet_error_travels(&err, either(serde, error_text))
//!     // `Yes`: the output travels as JSON; `SharedErrors`: the `Ok` value
//!     // as JSON, the error as its text.
//!     verdict.fleet_body(groups, tag, fleet.as_ref(), NAME, &key, future) // or None: the installed fleet
//! }; }
//! // then local coalescing, as without `fleet`
//! ```
//!
//! `fleet_mode!` (in `macro_support`) passes its statements through, and
//! without the `fleet` feature replaces them with one error that names it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::probe::Probe;
use super::{FunctionGroups, No, SharedErrors, Yes};
use crate::fleet::codec::{Codec, Json, OkJson};
use crate::fleet::{Fleet, Flight};
use crate::shared_error::ShareError;

/// The body, run across the fleet: `fleet` when the attribute names one
/// (`fleet = EXPR`), else the installed fleet, else here only. The flight is
/// known as `name` (`fleet_name = "..."`) or as the function's name, with
/// its type arguments for an instantiation of a generic function, whose
/// values another instantiation could not read.
fn fleet_body<Tag, K, V, C, F>(
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
    C: Codec<V>,
    F: Future<Output = V>,
{
    let name = name.unwrap_or_else(|| instance_name::<Tag>(groups));
    let flight = match fleet.cloned().or_else(Fleet::installed) {
        Some(fleet) => fleet.flight(name, key),
        None => {
            warn_not_installed(name);
            Flight::here(name)
        }
    };
    flight.run::<V, C, F>(body)
}

/// The function's name in `stats()` (`app::Repo::find`), or, when the
/// tag's type name says more (`app::Repo<u8>::find`, `app::load<app::User>`),
/// that: the instantiations of a generic function never share a flight
/// within the process, nor across the fleet.
fn instance_name<Tag: 'static>(groups: &FunctionGroups) -> &'static str {
    let name = groups.name::<Tag>();
    let instance = without_closures(std::any::type_name::<Tag>());
    if instance == name {
        name
    } else {
        instance
    }
}

/// `path` without its trailing `::{{closure}}` segments.
fn without_closures(mut path: &str) -> &str {
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    path
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

impl Yes {
    /// Wraps `body` in a flight across the fleet, the output as JSON:
    /// [`fleet_body`].
    pub fn fleet_body<Tag, K, V, F>(
        self,
        groups: &'static FunctionGroups,
        tag: Tag,
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
        fleet_body::<Tag, K, V, Json, F>(groups, tag, fleet, name, key, body)
    }
}

impl SharedErrors {
    /// Wraps `body` in a flight across the fleet, the `Ok` value as JSON and
    /// the error as its text: [`fleet_body`].
    pub fn fleet_body<Tag, K, T, E, F>(
        self,
        groups: &'static FunctionGroups,
        tag: Tag,
        fleet: Option<&Fleet>,
        name: Option<&'static str>,
        key: &K,
        body: F,
    ) -> impl Future<Output = Result<T, E>>
    where
        Tag: 'static,
        K: Serialize,
        T: Serialize + DeserializeOwned,
        E: ShareError + std::fmt::Display,
        F: Future<Output = Result<T, E>>,
    {
        fleet_body::<Tag, K, Result<T, E>, OkJson, F>(groups, tag, fleet, name, key, body)
    }
}

impl No {
    /// The body as it is: a `require_fleet_*` call already failed to
    /// compile, and local coalescing reports nothing more about it.
    pub fn fleet_body<Tag, K, F>(
        self,
        _groups: &'static FunctionGroups,
        _tag: Tag,
        _fleet: Option<&Fleet>,
        _name: Option<&'static str>,
        _key: &K,
        body: F,
    ) -> F {
        body
    }
}

/// `Yes` when the key can be sent to Redis: `Serialize`.
pub trait ProbeSerialize {
    /// Answers `Yes`.
    fn __coalesce_serialize(&self) -> Yes {
        Yes
    }
}
impl<T: Serialize> ProbeSerialize for Probe<T> {}

/// `Yes` when the output can travel between replicas: `Serialize` and
/// `DeserializeOwned`.
pub trait ProbeSerde {
    /// Answers `Yes`.
    fn __coalesce_serde(&self) -> Yes {
        Yes
    }
}
impl<T: Serialize + DeserializeOwned> ProbeSerde for Probe<T> {}

/// `SharedErrors` when an error that is not `Serialize` can travel as its
/// text: it is shared locally ([`ShareError`]) and has a `Display`.
pub trait ProbeErrorText {
    /// Answers `SharedErrors`.
    fn __coalesce_error_text(&self) -> SharedErrors {
        SharedErrors
    }
}
impl<E: ShareError + std::fmt::Display> ProbeErrorText for Probe<E> {}

/// `No` for a key or an output that cannot travel.
pub trait ProbeNoSerde {
    /// Answers `No`.
    fn __coalesce_serialize(&self) -> No {
        No
    }
    /// Answers `No`.
    fn __coalesce_serde(&self) -> No {
        No
    }
    /// Answers `No`.
    fn __coalesce_error_text(&self) -> No {
        No
    }
}
impl<T> ProbeNoSerde for &Probe<T> {}

// The assertions, as in `require`: a trait only `Yes` implements, named in
// the error, and a function that requires it.

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the `#[coalesce(fleet)]` key `{K}` cannot travel between replicas",
    label = "fleet mode sends the key to Redis as JSON, to find the replicas' calls with an equal key",
    note = "derive `serde::Serialize` for it, or key on parts that are (`key = \"user.id\"`)"
)]
pub trait FleetKeyIsSerialize<K> {}
impl<K> FleetKeyIsSerialize<K> for Yes {}

/// Fails to compile, at the user's key, unless it is `Serialize`.
pub fn require_fleet_key_serialize<K, A: FleetKeyIsSerialize<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the `#[coalesce(fleet)]` output `{V}` cannot travel between replicas",
    label = "fleet mode sends this value as JSON to the replicas waiting on the same key",
    note = "derive `serde::Serialize` and `serde::Deserialize` for it (a type parameter needs `Serialize + DeserializeOwned` bounds), or remove `fleet` to keep this function local"
)]
pub trait FleetOutputIsSerde<V> {}
impl<V> FleetOutputIsSerde<V> for Yes {}

/// Fails to compile, at the return type, unless it is `Serialize +
/// DeserializeOwned`.
pub fn require_fleet_output_serde<V, A: FleetOutputIsSerde<V>>(_: &Probe<V>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the `Ok` value of a `#[coalesce(fleet)]` fn, `{T}`, cannot travel between replicas",
    label = "fleet mode sends this value as JSON to the replicas waiting on the same key",
    note = "derive `serde::Serialize` and `serde::Deserialize` for it (a type parameter needs `Serialize + DeserializeOwned` bounds), or remove `fleet` to keep this function local"
)]
pub trait FleetOkIsSerde<T> {}
impl<T> FleetOkIsSerde<T> for Yes {}

/// Fails to compile, at a `Result` return type, unless its `Ok` value is
/// `Serialize + DeserializeOwned`.
pub fn require_fleet_ok_serde<T, A: FleetOkIsSerde<T>>(_: &Probe<T>, answer: A) -> A {
    answer
}

/// Holds for `Yes` (the error travels whole, as JSON) and `SharedErrors`
/// (as its text); named in the error when neither does.
#[diagnostic::on_unimplemented(
    message = "the error of a `#[coalesce(fleet)]` fn, `{E}`, cannot travel between replicas",
    label = "the replicas waiting on the same key receive this error too",
    note = "an error travels whole when it is `Serialize + Deserialize`, or as its text when it is shared between callers: `anyhow::Error`, `Box<dyn Error + Send + Sync>`, `io::Error`, or your error type with a `#[from] coalesce::SharedError` variant; an `Arc<E>` is neither"
)]
pub trait FleetErrorTravels<E> {}
impl<E> FleetErrorTravels<E> for Yes {}
impl<E> FleetErrorTravels<E> for SharedErrors {}

/// Fails to compile, at a `Result` return type, unless its error travels:
/// whole (`Serialize + DeserializeOwned`) or as its text (shared).
pub fn require_fleet_error_travels<E, A: FleetErrorTravels<E>>(_: &Probe<E>, answer: A) -> A {
    answer
}

#[cfg(test)]
mod tests {
    use super::{instance_name, FunctionGroups};

    fn tag_of<T>(_: &T) -> std::marker::PhantomData<T> {
        std::marker::PhantomData
    }

    fn name_of<Tag: 'static>(_: std::marker::PhantomData<Tag>) -> &'static str {
        instance_name::<Tag>(Box::leak(Box::new(FunctionGroups::new())))
    }

    fn plain() -> &'static str {
        let tag = || {};
        name_of(tag_of(&tag))
    }

    // `T` only names the instantiation, as a tag's captured generics do.
    #[allow(clippy::extra_unused_type_parameters)]
    fn generic<T: 'static>() -> &'static str {
        let tag = || {};
        name_of(tag_of(&tag))
    }

    #[test]
    fn instantiations_of_a_generic_function_have_names_of_their_own() {
        let module = module_path!();
        assert_eq!(plain(), format!("{module}::plain"));
        assert_eq!(generic::<u8>(), format!("{module}::generic<u8>"));
        assert_ne!(generic::<u8>(), generic::<u16>());
    }
}
