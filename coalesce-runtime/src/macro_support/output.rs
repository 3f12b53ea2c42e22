//! How the output travels, decided by probes like the bounds' (see
//! `probe`): `Yes` when it is `Clone`, [`SharedErrors`] when it is a
//! `Result` whose `Ok` value is `Clone` and whose error is shared through
//! [`ShareError`], `No` otherwise. A `Result` is also split, so that an
//! error names the part that lacks a bound: the `Ok` value or the error.
//!
//! ```text
//! let delivery = either((&output).__coalesce_clone(), (&output).__coalesce_share_errors());
//! let ok = (&output).__coalesce_ok();   // Probe<T>, or the output's own probe
//! let err = (&output).__coalesce_err(); // Probe<E>, likewise
//! require_error_shareable(&err, either((&err).__coalesce_clone(), (&err).__coalesce_share_error()))
//! ```

use std::marker::PhantomData;

use super::probe::Probe;
use super::{No, SharedErrors, Yes};
use crate::shared_error::{ShareError, SharedError};

/// `SharedErrors` when the output is a `Result<T: Clone, E: ShareError>`.
pub trait ProbeShareErrors {
    /// Answers `SharedErrors`.
    fn __coalesce_share_errors(&self) -> SharedErrors {
        SharedErrors
    }
}
impl<T: Clone, E: ShareError> ProbeShareErrors for Probe<Result<T, E>> {}

/// `Yes` when an error type is shared through [`ShareError`].
pub trait ProbeShareError {
    /// Answers `Yes`.
    fn __coalesce_share_error(&self) -> Yes {
        Yes
    }
}
impl<E: ShareError> ProbeShareError for Probe<E> {}

/// `No` for an output or an error that is not shared that way.
pub trait ProbeNotShared {
    /// Answers `No`.
    fn __coalesce_share_errors(&self) -> No {
        No
    }
    /// Answers `No`.
    fn __coalesce_share_error(&self) -> No {
        No
    }
}
impl<T> ProbeNotShared for &Probe<T> {}

/// The `Ok` and error types of a `Result` output, probed one by one.
pub trait ProbeResult {
    /// The `Ok` value's type.
    type Ok;
    /// The error's type.
    type Err;
    /// Probes the `Ok` value's type.
    fn __coalesce_ok(&self) -> Probe<Self::Ok> {
        Probe(PhantomData)
    }
    /// Probes the error's type.
    fn __coalesce_err(&self) -> Probe<Self::Err> {
        Probe(PhantomData)
    }
}
impl<T, E> ProbeResult for Probe<Result<T, E>> {
    type Ok = T;
    type Err = E;
}

/// An output named `Result` that is not `std`'s: both parts are the whole,
/// so its missing bound is still reported.
pub trait ProbeNotResult<V> {
    /// Probes the output itself.
    fn __coalesce_ok(&self) -> Probe<V> {
        Probe(PhantomData)
    }
    /// Probes the output itself.
    fn __coalesce_err(&self) -> Probe<V> {
        Probe(PhantomData)
    }
}
impl<V> ProbeNotResult<V> for &Probe<V> {}

/// The first answer that is not `No`.
pub trait Or<B> {
    /// The answer.
    type Out;
}
impl<B> Or<B> for Yes {
    type Out = Yes;
}
impl Or<Yes> for No {
    type Out = Yes;
}
impl Or<SharedErrors> for No {
    type Out = SharedErrors;
}
impl Or<No> for No {
    type Out = No;
}

/// Picks the first answer that is not `No`: cloning, if the output can be
/// cloned, before sharing its error.
#[must_use]
pub fn either<A: Or<B>, B>(_: A, _: B) -> A::Out
where
    A::Out: Default,
{
    A::Out::default()
}

/// What a group holds for an output of type `V`, delivered this way.
pub trait Stores<V> {
    /// The group's value type.
    type Stored;
}
impl<V> Stores<V> for Yes {
    type Stored = V;
}
impl<T, E> Stores<Result<T, E>> for SharedErrors {
    type Stored = Result<T, SharedError>;
}
impl<V> Stores<V> for No {
    type Stored = V;
}

/// Probes what the group holds, for a `group = PATH` check.
#[must_use]
pub fn probe_stored<D: Stores<V>, V>(_: &D, _: &Probe<V>) -> Probe<D::Stored> {
    Probe(PhantomData)
}
