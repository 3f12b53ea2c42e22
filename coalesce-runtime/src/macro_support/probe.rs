//! Bound checks that answer instead of failing, and the assertions that turn
//! a `No` into one error with a message that says the fix.
//!
//! `(&probe).__coalesce_hash_eq()` finds the `Probe<K>` impl (by value)
//! when `K: Hash + Eq`, and falls back to the `&Probe<K>` impl (one autoref
//! further) otherwise: method resolution, not a trait bound, picks the answer.
//! The assertion is then on `Yes`/`No` itself, so the compiler reports the
//! bound we name with our message, never a nested leaf such as `E: Clone`.

use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;

use super::{No, Yes};

/// A type, as a value whose methods say which bounds it meets.
pub struct Probe<T>(PhantomData<fn() -> T>);

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

/// Holds for `Yes` only; named in the error when the key is not `Hash + Eq`.
#[diagnostic::on_unimplemented(
    message = "the `#[coalesce]` key `{K}` is not `Hash + Eq`",
    label = "this key must be `Hash + Eq` to find concurrent calls with an equal key",
    note = "derive `Hash, PartialEq, Eq` for it, or pick a key that is (`key = \"user.id\"`)"
)]
pub trait KeyIsHashEq<K> {}
impl<K> KeyIsHashEq<K> for Yes {}

/// Holds for `Yes` only; named in the error when the key is not `Send + Sync`.
#[diagnostic::on_unimplemented(
    message = "the `#[coalesce]` key `{K}` is not `Send + Sync`",
    label = "this key is stored in a map that callers on every thread read",
    note = "build the key from owned, thread-safe values (`String`, integers, `Arc<T>`)"
)]
pub trait KeyIsSendSync<K> {}
impl<K> KeyIsSendSync<K> for Yes {}

/// Holds for `Yes` only; named in the error when the output is not `Clone`.
#[diagnostic::on_unimplemented(
    message = "the output of a `#[coalesce]` fn, `{V}`, is not `Clone`",
    label = "every caller waiting on the same key receives a clone of this value",
    note = "wrap the error in `Arc`: return `Result<T, Arc<E>>` and write `.map_err(Arc::new)`"
)]
pub trait OutputIsClone<V> {}
impl<V> OutputIsClone<V> for Yes {}

/// Holds for `Yes` only; named in the error when the output is not `Send`.
#[diagnostic::on_unimplemented(
    message = "the output of a `#[coalesce]` fn, `{V}`, is not `Send`",
    label = "this value is handed to callers that may run on other threads",
    note = "use thread-safe types in the output (`Arc` instead of `Rc`, `Mutex` instead of `RefCell`)"
)]
pub trait OutputIsSend<V> {}
impl<V> OutputIsSend<V> for Yes {}

/// Fails to compile, at the user's key, unless the key is `Hash + Eq`.
pub fn require_key_hash_eq<K, A: KeyIsHashEq<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Fails to compile, at the user's key, unless the key is `Send + Sync`.
pub fn require_key_send_sync<K, A: KeyIsSendSync<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Fails to compile, at the return type, unless the output is `Clone`.
pub fn require_output_clone<V, A: OutputIsClone<V>>(_: &Probe<V>, answer: A) -> A {
    answer
}

/// Fails to compile, at the return type, unless the output is `Send`.
pub fn require_output_send<V, A: OutputIsSend<V>>(_: &Probe<V>, answer: A) -> A {
    answer
}

/// The key's `Debug` form for tracing events, when the key has one: found by
/// `(&probe).__coalesce_describer()` like the bound probes above.
pub trait ProbeDebug<T> {
    /// Formats the key with `Debug`.
    fn __coalesce_describer(&self) -> fn(&T) -> Option<String>;
}
impl<T: std::fmt::Debug> ProbeDebug<T> for Probe<T> {
    fn __coalesce_describer(&self) -> fn(&T) -> Option<String> {
        |key| Some(format!("{key:?}"))
    }
}

/// A key without `Debug` is described as nothing.
pub trait ProbeNoDebug<T> {
    /// Describes nothing.
    fn __coalesce_describer(&self) -> fn(&T) -> Option<String> {
        |_| None
    }
}
impl<T> ProbeNoDebug<T> for &Probe<T> {}
