//! Bound checks that answer instead of failing; `require` turns a `No` into
//! one error with a message that says the fix.
//!
//! `(&probe).__coalesce_hash_eq()` finds the `Probe<K>` impl (by value)
//! when `K: Hash + Eq`, and falls back to the `&Probe<K>` impl (one autoref
//! further) otherwise: method resolution, not a trait bound, picks the answer.
//! The assertion is then on `Yes`/`No` itself, so the compiler reports the
//! bound we name with our message, never a nested leaf such as `E: Clone`.

use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;

use super::{No, SharedErrors, Yes};
use crate::events::LogKey;

/// A type, as a value whose methods say which bounds it meets.
pub struct Probe<T>(pub(super) PhantomData<fn() -> T>);

/// Probes the key's type.
#[must_use]
pub fn probe<T>(_: &T) -> Probe<T> {
    Probe(PhantomData)
}

/// Probes the output type of the function's body.
#[must_use]
pub fn probe_output<F: Future>(_: &F) -> Probe<F::Output> {
    Probe(PhantomData)
}

/// Probes the output type of a blocking function's body, a closure.
#[must_use]
pub fn probe_return<F: FnOnce() -> V, V>(_: &F) -> Probe<V> {
    Probe(PhantomData)
}

/// `Yes` when the key is `Hash + Eq`.
pub trait ProbeHashEq {
    /// Answers `Yes`.
    fn __coalesce_hash_eq(&self) -> Yes {
        Yes
    }
}
impl<T: Hash + Eq> ProbeHashEq for Probe<T> {}

/// `Yes` when the key is `Send + Sync`.
pub trait ProbeSendSync {
    /// Answers `Yes`.
    fn __coalesce_send_sync(&self) -> Yes {
        Yes
    }
}
impl<T: Send + Sync> ProbeSendSync for Probe<T> {}

/// `Yes` when the output is `Clone`.
pub trait ProbeClone {
    /// Answers `Yes`.
    fn __coalesce_clone(&self) -> Yes {
        Yes
    }
}
impl<T: Clone> ProbeClone for Probe<T> {}

/// `Yes` when the output is `Send`.
pub trait ProbeSend {
    /// Answers `Yes`.
    fn __coalesce_send(&self) -> Yes {
        Yes
    }
}
impl<T: Send> ProbeSend for Probe<T> {}

/// `No` when the key is a reference: `&T` became the key because `T` is not
/// `Clone`, and a borrowed key cannot outlive the call in the map.
pub trait ProbeBorrowed {
    /// Answers `No`.
    fn __coalesce_owned(&self) -> No {
        No
    }
}
impl<T: ?Sized> ProbeBorrowed for Probe<&T> {}

/// `Yes` for a key that is not a reference (its lifetime is checked later).
pub trait ProbeOwned {
    /// Answers `Yes`.
    fn __coalesce_owned(&self) -> Yes {
        Yes
    }
}
impl<T> ProbeOwned for &Probe<T> {}

/// A `group = PATH` static, with the key and output types it must have.
pub struct GroupProbe<G, K, V>(PhantomData<Types<G, K, V>>);

/// The three types a [`GroupProbe`] compares, as a `Send + Sync` marker.
type Types<G, K, V> = fn() -> (G, K, V);

/// Probes the user's group against the key and the output.
#[must_use]
pub fn probe_group<G, K, V>(_: &G, _: &Probe<K>, _: &Probe<V>) -> GroupProbe<G, K, V> {
    GroupProbe(PhantomData)
}

/// `Yes` when the user's group is a `Group<K, V>` of the function's key
/// and output types.
pub trait ProbeGroupFits {
    /// Answers `Yes`.
    fn __coalesce_group_fits(&self) -> Yes {
        Yes
    }
}
impl<K, V> ProbeGroupFits for GroupProbe<crate::Group<K, V>, K, V> {}

/// `No` when the user's group has other key or output types.
pub trait ProbeGroupMisfits {
    /// Answers `No`.
    fn __coalesce_group_fits(&self) -> No {
        No
    }
}
impl<G, K, V> ProbeGroupMisfits for &GroupProbe<G, K, V> {}

/// `No` for every probe whose bound does not hold.
pub trait ProbeFallback {
    /// Answers `No`.
    fn __coalesce_hash_eq(&self) -> No {
        No
    }
    /// Answers `No`.
    fn __coalesce_send_sync(&self) -> No {
        No
    }
    /// Answers `No`.
    fn __coalesce_clone(&self) -> No {
        No
    }
    /// Answers `No`.
    fn __coalesce_send(&self) -> No {
        No
    }
}
impl<T> ProbeFallback for &Probe<T> {}

/// `Yes` and `Yes` is `Yes`; anything with a `No` is `No`.
pub trait And<B> {
    /// The combined verdict.
    type Out;
}
impl And<Yes> for Yes {
    type Out = Yes;
}
impl And<No> for Yes {
    type Out = No;
}
impl<B> And<B> for No {
    type Out = No;
}
impl And<SharedErrors> for Yes {
    type Out = SharedErrors;
}
impl And<Yes> for SharedErrors {
    type Out = SharedErrors;
}
impl And<No> for SharedErrors {
    type Out = No;
}
impl And<SharedErrors> for SharedErrors {
    type Out = SharedErrors;
}

/// Combines two verdicts.
#[must_use]
pub fn all<A: And<B>, B>(_: A, _: B) -> A::Out
where
    A::Out: Default,
{
    A::Out::default()
}

impl Default for Yes {
    fn default() -> Self {
        Yes
    }
}

impl Default for No {
    fn default() -> Self {
        No
    }
}

impl Default for SharedErrors {
    fn default() -> Self {
        SharedErrors
    }
}

/// How tracing events show the key: its `Debug` form, when it has one.
/// Found by `(&probe).__coalesce_log_key()` like the bound probes above.
pub trait ProbeDebug<T> {
    /// Formats the key with `Debug` when an event logs it.
    fn __coalesce_log_key(&self) -> LogKey<T>;
}
impl<T: std::fmt::Debug> ProbeDebug<T> for Probe<T> {
    fn __coalesce_log_key(&self) -> LogKey<T> {
        LogKey::debug(|key| format!("{key:?}"))
    }
}

/// A key without `Debug` is never logged.
pub trait ProbeNoDebug<T> {
    /// Logs nothing.
    fn __coalesce_log_key(&self) -> LogKey<T> {
        LogKey::opaque()
    }
}
impl<T> ProbeNoDebug<T> for &Probe<T> {}
