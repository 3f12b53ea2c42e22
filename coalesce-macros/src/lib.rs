//! The `#[coalesce]` attribute. Use it through the `coalesce` crate, whose
//! documentation is canonical; this crate only parses and generates code.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attr;
mod errors;
mod expand;
mod item;
mod plan;
mod span;
mod validate;
mod verdict;

#[cfg(test)]
mod snapshot_tests;

use proc_macro::TokenStream;

/// The reference for `#[coalesce]`: it coalesces concurrent calls of an
/// `async fn` (or, from threads, of a plain `fn`) that have equal keys into
/// one execution of its body, and every caller receives a clone of the
/// result. Runnable examples are on the
/// re-export in the `coalesce` crate, the one to depend on.
///
/// ```text
/// #[coalesce(key = "id")]
/// async fn find_user(&self, id: u64) -> Result<Option<User>, Arc<DbError>> { ... }
/// ```
///
/// While a call for key `k` is running, every other call whose key equals `k`
/// waits for it instead of running the body. When the body finishes, its
/// entry is gone: the next call runs again. This is not a cache.
///
/// # Options
///
/// Each option may be given once; an unknown option is an error that lists
/// the valid ones.
///
/// - `key = "EXPR"` or `key = EXPR`: an expression over the arguments,
///   `self` included (`key = "id"`, `key = (self.tenant, id)`,
///   `key = "user.email.to_lowercase()"`). Without `key`, the key is the tuple
///   of all arguments except the receiver; a single argument is the key
///   itself, and no argument gives the key `()`. An argument bound by a
///   pattern contributes the names it binds.
/// - `group = PATH`: run in a `static` `coalesce::Group<K, V>` of your own
///   instead of the function's hidden one, to call `forget`, `in_flight` or
///   `is_in_flight` on it, or to share it between functions on purpose. `K`
///   is the converted key type and `V` the return type.
/// - `crate = "path"` or `crate = path`: where the `coalesce` crate is, when
///   it is re-exported under another name (`crate = "my_deps::coalesce"`).
/// - `detached` (a flag, no value): the execution belongs to the flight, not
///   to the caller running it, so it goes on for the others when that caller
///   is dropped. Without it (hand-off, the default), the execution is
///   abandoned and a waiting caller runs its own body. A detached body must
///   own its inputs (no `&self`, no `&str`: take owned values or
///   `self: Arc<Self>`; a borrowed argument is an error that names it). See
///   "Choosing a mode" in the `coalesce` crate.
/// - `log_key = false` or `log_key = true`: whether the `tracing` feature's
///   events for this function carry the key (its `Debug` form). Without it,
///   `coalesce::log_keys` decides, and keys are logged until it is called
///   with `false`; the option wins over it. With `false` the key's `Debug`
///   is never run. Not allowed with `group = PATH`, whose events never carry
///   the key. See "Tracing events" in the `coalesce` crate.
/// - `fleet`, `fleet = EXPR` or `fleet = "EXPR"` (the `fleet` feature):
///   coalesce across every process that shares a Redis as well, through the
///   installed `Fleet` or the `Fleet` that `EXPR` gives (`fleet =
///   self.fleet`). Within the process first, then one execution per key for
///   the fleet. The key must be `serde::Serialize` and the output
///   `Serialize + DeserializeOwned` (a shared error may instead travel as
///   its text); only on an `async fn`. See "Across a
///   fleet" on the `coalesce` crate's `coalesce`.
/// - `fleet_name = "..."`: the function's name across the fleet, instead of
///   its path; only with `fleet`.
///
/// # Keys
///
/// The key is computed from the arguments *without moving them*, then turned
/// into an owned value: `&str` gives a `String`, `&[T]` a `Vec<T>`, `&T` a
/// `T` (cloned), `u64` a `u64`, and a field such as `user.name` a clone of
/// the field. A tuple key is converted element by element. The body sees
/// every argument exactly as declared. After conversion the key must be
/// `Hash + Eq + Send + Sync + 'static`; a key that still borrows (such as
/// `Option<&str>`) must be converted in the expression
/// (`key = "name.map(str::to_owned)"`).
///
/// **The receiver is not part of the key unless the key names it.** Two
/// repositories over different databases share `find_user(7)` unless the key
/// says `key = (self.tenant, id)`.
///
/// # Output
///
/// The return type must be `Clone + Send + 'static`, because every waiting
/// caller receives a clone. Most error types are not `Clone`: return
/// `Result<T, Arc<E>>` and write `.map_err(Arc::new)?` in the body.
///
/// # Semantics
///
/// - A call joins or opens a flight when its future is *first polled*, not
///   when it is created: `let a = f(1); let b = f(1); a.await; b.await;` runs
///   twice, while `join!(f(1), f(1))` runs once. The key, though, is
///   computed when `f(1)` is called (see "What it expands to").
/// - If the running caller is dropped, one waiting caller is promoted and
///   runs its own body with its own arguments (with `detached`, the body
///   goes on instead, driven by the waiting callers).
///   If the body panics, the
///   running caller panics with the original payload and every waiting caller
///   panics with a message that repeats it.
/// - A body that calls its own function with the *same* key waits for itself
///   forever; a different key is fine.
/// - A running caller that is kept alive but no longer polled holds up the
///   callers waiting on it: drop it or keep polling it.
/// - On a plain `fn`, waiting callers are threads, which park until the
///   running call ends (`Group::run_blocking`); the rules above hold but for
///   cancellation, which threads do not have, so `detached` is an error
///   there. Do not call such a fn from an async task: it blocks the worker.
///
/// # Maps, and generic functions
///
/// Every annotated function has its own in-flight map, so two functions with
/// equal keys never share an execution. The map is a `static` inside the
/// function, holding one `Group<K, V>` per instantiation, told apart by a
/// *tag*: the type of a closure defined in the function, which carries every
/// generic parameter in scope (the function's, the enclosing `impl`'s, const
/// parameters and `impl Trait` arguments) and, capturing nothing, is
/// `'static` whatever they are. Instantiations with different type or const
/// arguments therefore never share, and no bound is asked of a parameter
/// that neither the key nor the output contains: `T` without `'static`, an
/// `impl Fn()` that borrows, and methods of `struct Repo<'a>` all work.
/// Instantiations that differ only in lifetimes share one map.
///
/// # Supported signatures
///
/// `async fn` and plain `fn`: free functions, inherent methods and methods
/// in trait impls, including
/// the methods of an `#[async_trait]` impl (the attribute recognises the
/// `Box::pin(async move { .. })` that `#[async_trait]` makes of them, and
/// calls through `Arc<dyn Trait>` coalesce with calls on the type); `self`,
/// `&self`, `&mut self`, `self: Arc<Self>`; generics, lifetimes and where
/// clauses; patterns in arguments; `impl Trait` arguments. Visibility, docs,
/// `#[must_use]` and other attributes are kept in order, and so are the
/// generics and arguments; the returned future is `Send` whenever the
/// body's is. It stacks with `#[tracing::instrument]` in either order.
///
/// # What it expands to
///
/// An `async fn` becomes a plain `fn` that returns the group's future, so a
/// caller holds no more than a direct `Group::run` call would (the arguments
/// live in the body, and the key is computed when the function is called);
/// its future captures the same lifetimes as the `async fn`'s, and rustdoc
/// shows `fn find_user(&self, id: u64) -> impl Future<Output = R>`:
///
/// ```text
/// fn find_user(&self, id: u64) -> impl Future<Output = R> {
///     let groups = { static GROUPS: FunctionGroups = FunctionGroups::new(); &GROUPS };
///     let key = (id).__coalesce_to_key();          // borrowed, converted
///     let tag = || {};                             // its type: one map per instantiation
///     let future = async move { let _ = (&id,); /* the original body */ };
///     // (`let _`: the owned arguments live until the call ends, even those
///     // the body does not use, as an `async fn`'s do)
///     let verdict = /* Key and output bounds, reported at the key or return type */;
///     verdict.run(per_function(groups, tag, log_key), key, future)  // Group::<K, R>::run
///     // `log_key`: the key's `Debug` form, when it has one, for tracing, and
///     // the `log_key = ..` option;
///     // with `detached`: `run_detached`; with `group = PATH`:
///     // `run(user_group(groups, tag, &PATH), key, future)`.
///     // with `fleet`, before `verdict`: `let future = fleet_verdict
///     // .fleet_body(groups, tag, fleet, fleet_name, &key, future);`, the
///     // body in a flight across replicas (`fleet_verdict`: the key is
///     // `Serialize`, the output `Serialize + DeserializeOwned`).
/// }
/// ```
///
/// It stays an `async fn`, whose future also holds the arguments, and
/// computes the key when first polled, where a plain `fn` would change what
/// was written: a `#[must_use]` fn (the compiler checks the awaited output
/// only for an `async fn`); an attribute that may be a macro expanding
/// after this one, such as `#[tracing::instrument]` below `#[coalesce]`
/// (docs, lint levels, `#[inline]`, `#[cold]` and `#[deprecated]` are known
/// to be inert); an argument pattern that binds by `ref`, or leaves part of
/// an owned argument unbound (`_`, `..`); an output that borrows. The same
/// statements are then a block whose future is awaited:
/// `async fn find_user(&self, id: u64) -> R { { .. verdict.run(..) }.await }`.
///
/// # Errors at compile time
///
/// The attribute rejects, with the fix in the message: a `const fn`;
/// `detached` or `fleet` on a plain `fn`; `fleet_name` without `fleet`;
/// `log_key` with `group = PATH`; a trait
/// method without a body; an unknown or repeated option;
/// a key that names something that is not an argument; a borrowed argument
/// of a `detached` function. A key that is not `Hash + Eq` or
/// not `Send + Sync`, and an output that can be neither cloned nor shared
/// (a `Result` whose error is not `Clone` is shared through
/// `coalesce::SharedError`) or is not `Send`, are reported on the key or on
/// the return type; so are, with `fleet`, a key that is not `Serialize` and
/// an output (or a `Result`'s `Ok` value) that is not `Serialize +
/// DeserializeOwned`, or a `Result`'s error that is neither that nor shared. A `fleet = EXPR` that is not a `Fleet` is a type
/// error on `EXPR`.
#[proc_macro_attribute]
pub fn coalesce(args: TokenStream, item: TokenStream) -> TokenStream {
    coalesce_impl(args.into(), item.into()).into()
}

/// parse → validate → expand; on any error, the original item plus the errors.
fn coalesce_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let function = match syn::parse2::<item::Function>(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = syn::Error::new(
                error.span(),
                "`#[coalesce]` goes on a function: an `async fn`, or a `fn` called from threads",
            );
            return fallback(item, error);
        }
    };
    let plan = syn::parse2::<attr::Options>(args)
        .and_then(|options| validate::validate(options, &function));
    match plan {
        Ok(plan) => expand::expand(&function, &plan),
        Err(error) => fallback(item, error),
    }
}

/// The function as written, so its callers still compile, plus the errors.
fn fallback(item: proc_macro2::TokenStream, error: syn::Error) -> proc_macro2::TokenStream {
    let mut tokens = item;
    tokens.extend(error.to_compile_error());
    tokens
}
