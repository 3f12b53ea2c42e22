//! How a caller's output travels through a flight whose shared value is a
//! `V`: as it is (a `Clone` output), or with its error moved behind an `Arc`
//! to be rebuilt for each caller ([`ShareError`]).

use std::marker::PhantomData;

use crate::shared_error::{ShareError, SharedError};

/// A way to turn a caller's output into the flight's shared value and back.
/// Implemented by markers, so one output type may travel either way.
pub(crate) trait Delivery<V> {
    /// What the body returns and each caller receives.
    type Output;

    /// Makes the value every caller receives a copy of.
    fn share(output: Self::Output) -> V;

    /// One caller's output, out of its copy of the shared value.
    fn receive(value: V) -> Self::Output;
}

/// The output is the shared value: each caller receives a clone.
pub(crate) struct AsIs;

impl<V> Delivery<V> for AsIs {
    type Output = V;

    fn share(output: V) -> V {
        output
    }

    fn receive(value: V) -> V {
        value
    }
}

/// A `Result<T, E>` shared as a `Result<T, SharedError>`: the `Ok` value is
/// cloned, the error is rebuilt as an `E` for each caller.
pub(crate) struct ErrorsShared<E>(PhantomData<E>);

impl<T, E: ShareError> Delivery<Result<T, SharedError>> for ErrorsShared<E> {
    type Output = Result<T, E>;

    fn share(output: Result<T, E>) -> Result<T, SharedError> {
        output.map_err(E::into_shared)
    }

    fn receive(value: Result<T, SharedError>) -> Result<T, E> {
        value.map_err(E::from_shared)
    }
}
