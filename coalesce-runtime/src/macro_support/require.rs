//! The assertions that turn a probe's `No` into one error, at the user's key,
//! return type or group, with a message that says the fix. Each is a trait
//! only `Yes` implements, named in the error through
//! `#[diagnostic::on_unimplemented]`, and a function that requires it.
//! (Written out one by one: a macro would show its own source in every
//! error's "required by this bound" note.)

use super::probe::{GroupProbe, Probe};
use super::{SharedErrors, Yes};

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the `#[coalesce]` key `{K}` is not `Hash + Eq`",
    label = "this key must be `Hash + Eq` to find concurrent calls with an equal key",
    note = "derive `Hash, PartialEq, Eq` for it, or pick a key that is (`key = \"user.id\"`)"
)]
pub trait KeyIsHashEq<K> {}
impl<K> KeyIsHashEq<K> for Yes {}

/// Fails to compile, at the user's key, unless it is `Hash + Eq`.
pub fn require_key_hash_eq<K, A: KeyIsHashEq<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the `#[coalesce]` key `{K}` is not `Send + Sync`",
    label = "this key is stored in a map that callers on every thread read",
    note = "build the key from owned, thread-safe values (`String`, integers, `Arc<T>`)"
)]
pub trait KeyIsSendSync<K> {}
impl<K> KeyIsSendSync<K> for Yes {}

/// Fails to compile, at the user's key, unless it is `Send + Sync`.
pub fn require_key_send_sync<K, A: KeyIsSendSync<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the `#[coalesce]` key `{K}` borrows an argument",
    label = "the key is kept in the map while the call runs, so it must own its value",
    note = "a `&T` argument becomes an owned key by cloning `T`: derive `Clone` for it, or key on an owned part of it (`key = \"user.id\"`)"
)]
pub trait KeyIsOwned<K> {}
impl<K> KeyIsOwned<K> for Yes {}

/// Fails to compile, at a key element, unless it owns its value.
pub fn require_key_owned<K, A: KeyIsOwned<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the arguments of this `#[coalesce]` fn, `{K}`, make its key and are not `Hash + Eq`",
    label = "without `key = ...`, every argument but `self` is part of the key",
    note = "name the key with the arguments that tell calls apart (`key = \"id\"`), or derive `Hash, PartialEq, Eq` for the arguments' types"
)]
pub trait ArgumentsAreHashEq<K> {}
impl<K> ArgumentsAreHashEq<K> for Yes {}

/// Fails to compile, at the arguments, unless the default key (every
/// argument but `self`) is `Hash + Eq`.
pub fn require_arguments_hash_eq<K, A: ArgumentsAreHashEq<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the arguments of this `#[coalesce]` fn, `{K}`, make its key and are not `Send + Sync`",
    label = "without `key = ...`, every argument but `self` is part of the key",
    note = "name the key with the arguments that tell calls apart (`key = \"id\"`), or take thread-safe arguments (`String`, integers, `Arc<T>`)"
)]
pub trait ArgumentsAreSendSync<K> {}
impl<K> ArgumentsAreSendSync<K> for Yes {}

/// Fails to compile, at the arguments, unless the default key is
/// `Send + Sync`.
pub fn require_arguments_send_sync<K, A: ArgumentsAreSendSync<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the argument `{K}` is part of this `#[coalesce]` fn's key and borrows",
    label = "without `key = ...`, every argument but `self` is part of the key, as an owned copy",
    note = "name the key with the arguments that tell calls apart (`key = \"id\"`), or derive `Clone` for the argument's type"
)]
pub trait ArgumentsAreOwned<K> {}
impl<K> ArgumentsAreOwned<K> for Yes {}

/// Fails to compile, at an argument, unless it becomes an owned key.
pub fn require_arguments_owned<K, A: ArgumentsAreOwned<K>>(_: &Probe<K>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the `Ok` value of a `#[coalesce]` fn, `{T}`, is not `Clone`",
    label = "every caller waiting on the same key receives a clone of the `Ok` value",
    note = "derive or implement `Clone` for it (a type parameter needs a `Clone` bound), or return it in an `Arc`"
)]
pub trait OkIsClone<T> {}
impl<T> OkIsClone<T> for Yes {}

/// Fails to compile, at a `Result` return type, unless its `Ok` value is
/// `Clone`.
pub fn require_ok_clone<T, A: OkIsClone<T>>(_: &Probe<T>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the error of a `#[coalesce]` fn, `{E}`, cannot be shared between its callers",
    label = "every caller waiting on the same key receives this error, and it is not `Clone`",
    note = "for your own error type, add one variant: `#[error(transparent)] Shared(#[from] coalesce::SharedError)` (or implement `From<coalesce::SharedError>` for it)",
    note = "or return `anyhow::Error`, `Box<dyn std::error::Error + Send + Sync>` or `std::io::Error`, which are shared as they are",
    note = "or wrap it in an `Arc`: return `Result<T, Arc<{E}>>` and write `.map_err(Arc::new)`"
)]
pub trait ErrorIsShareable<E> {}
impl<E> ErrorIsShareable<E> for Yes {}

/// Fails to compile, at a `Result` return type, unless its error is `Clone`
/// or shared through `ShareError`.
pub fn require_error_shareable<E, A: ErrorIsShareable<E>>(_: &Probe<E>, answer: A) -> A {
    answer
}

/// Holds for `Yes` and `SharedErrors`; named in the error when neither does.
#[diagnostic::on_unimplemented(
    message = "the output of a `#[coalesce]` fn, `{V}`, is not `Clone`",
    label = "every caller waiting on the same key receives a clone of this value",
    note = "derive or implement `Clone` for it (a type parameter needs a `Clone` bound), or return it in an `Arc`",
    note = "a `Result` whose error is not `Clone` is shared when its `Ok` value is `Clone` and its error is `anyhow::Error`, `Box<dyn Error + Send + Sync>`, `std::io::Error`, or has a `From<coalesce::SharedError>`"
)]
pub trait OutputIsShareable<V> {}
impl<V> OutputIsShareable<V> for Yes {}
impl<V> OutputIsShareable<V> for SharedErrors {}

/// Fails to compile, at the return type, unless it is `Clone` or a `Result`
/// shared through `ShareError`.
pub fn require_output_shareable<V, A: OutputIsShareable<V>>(_: &Probe<V>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "the output of a `#[coalesce]` fn, `{V}`, is not `Send`",
    label = "this value is handed to callers that may run on other threads",
    note = "use thread-safe types in the output (`Arc` instead of `Rc`, `Mutex` instead of `RefCell`)"
)]
pub trait OutputIsSend<V> {}
impl<V> OutputIsSend<V> for Yes {}

/// Fails to compile, at the return type, unless it is `Send`.
pub fn require_output_send<V, A: OutputIsSend<V>>(_: &Probe<V>, answer: A) -> A {
    answer
}

/// Holds for `Yes` only; named in the error when the bound is missing.
#[diagnostic::on_unimplemented(
    message = "`{G}` cannot serve this `#[coalesce]` fn, which needs a `Group<{K}, {V}>`",
    label = "this group's key or output type is not the function's",
    note = "declare the static as `Group<{K}, {V}>`: the key as an owned value, and the return type (a `Result` whose error is not `Clone` holds it as a `coalesce::SharedError`)"
)]
pub trait GroupFits<G, K, V> {}
impl<G, K, V> GroupFits<G, K, V> for Yes {}

/// Fails to compile, at `group = PATH`, unless the group's key and
/// output types are the function's.
pub fn require_group_fits<G, K, V, A: GroupFits<G, K, V>>(_: &GroupProbe<G, K, V>, answer: A) -> A {
    answer
}
