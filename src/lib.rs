//! Concurrent calls that ask for the same thing share one in-flight execution.
//!
//! `coalesce` puts a stampede guard in front of a database, an upstream API or
//! any slow async source: while a call for a key is running, every other call
//! with an equal key waits for it and receives a clone of its result instead
//! of doing the work again. When the execution finishes, its entry is gone:
//! this is not a cache, it is what stands between a cache miss and a stampede.
//! It is the Rust take on JavaScript's `promise-coalesce` and on Go's
//! `singleflight`.
//!
//! # The attribute
//!
//! Put [`#[coalesce]`](macro@coalesce) on an `async fn` and say what the key
//! is; nothing else about calling the function changes:
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use coalesce::coalesce;
//!
//! struct UserRepo {
//!     queries: AtomicUsize,
//! }
//!
//! impl UserRepo {
//!     #[coalesce(key = "id")]
//!     async fn find_user(&self, id: u64) -> anyhow::Result<Option<String>> {
//!         self.queries.fetch_add(1, Ordering::SeqCst);
//!         tokio::task::yield_now().await; // the slow query
//!         Ok(Some(format!("user {id}")))
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let repo = UserRepo { queries: AtomicUsize::new(0) };
//! let (a, b, c) = tokio::join!(repo.find_user(7), repo.find_user(7), repo.find_user(7));
//! assert_eq!(a.unwrap().as_deref(), Some("user 7"));
//! assert_eq!(b.unwrap(), c.unwrap());
//! assert_eq!(repo.queries.load(Ordering::SeqCst), 1);
//! # });
//! ```
//!
//! Every caller receives a copy of the result, so the output must be
//! `Clone`, or a `Result` whose `Ok` value is `Clone` and whose error is
//! shared (see [Errors](#errors)). The receiver is not part of the key
//! unless the key names it (`key = (self.tenant, id)`). See
//! [`macro@coalesce`] for key expressions, `group = ...` and the details.
//!
//! # Errors
//!
//! A coalesced function keeps its natural error type, even one that is not
//! `Clone`: `anyhow::Error`, `Box<dyn Error + Send + Sync>` and
//! `std::io::Error` as they are, and your own error type once it has a
//! `From<`[`SharedError`]`>`, with thiserror one variant:
//!
//! ```
//! use coalesce::{coalesce, SharedError};
//!
//! #[derive(Debug, thiserror::Error)]
//! enum RepoError {
//!     #[error("user {0} not found")]
//!     NotFound(u64),
//!     #[error(transparent)]
//!     Io(#[from] std::io::Error),
//!     // The one line `#[coalesce]` needs: the error of a shared execution.
//!     #[error(transparent)]
//!     Shared(#[from] SharedError),
//! }
//!
//! impl RepoError {
//!     // Matching looks through a shared error to the original.
//!     fn is_not_found(&self) -> bool {
//!         match self {
//!             RepoError::NotFound(_) => true,
//!             RepoError::Shared(shared) => {
//!                 shared.downcast_ref().is_some_and(RepoError::is_not_found)
//!             }
//!             RepoError::Io(_) => false,
//!         }
//!     }
//! }
//!
//! #[coalesce(key = "id")]
//! async fn find_user(id: u64) -> Result<String, RepoError> {
//!     tokio::task::yield_now().await; // the slow query
//!     Err(RepoError::NotFound(id))
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let (a, b) = tokio::join!(find_user(7), find_user(7));
//! let (a, b) = (a.unwrap_err(), b.unwrap_err());
//! // One execution, shared: both callers hold its error, with its text.
//! assert!(matches!(&a, RepoError::Shared(_)) && matches!(&b, RepoError::Shared(_)));
//! assert_eq!(b.to_string(), "user 7 not found");
//! assert!(a.is_not_found() && b.is_not_found());
//!
//! // A caller that ran alone gets the same form: what a test sees is what
//! // callers under load see.
//! let alone = find_user(8).await.unwrap_err();
//! assert!(matches!(&alone, RepoError::Shared(_)) && alone.is_not_found());
//! # });
//! ```
//!
//! The error goes behind an `Arc` once, as a [`SharedError`], and each caller
//! gets `E::from` of it: the same text (`to_string()`, `{:#}`), and a
//! `source()` chain of the very same cause values, so `downcast_ref` on them
//! finds `sqlx::Error` or `std::io::Error`. The original error itself is
//! reached with [`SharedError::downcast_ref`], or [`SharedError::find`] over a
//! whole chain. Every caller gets the shared form, the leader too and a
//! caller that ran alone, so a test of one call exercises the code that
//! handles it. [`ShareError`] lists what is
//! covered, [`Group::try_run`] does the same without the attribute, and the
//! `anyhow` feature keeps an `anyhow::Error`'s original type reachable.
//!
//! # Without the attribute
//!
//! A [`Group`] does the same for code that cannot use the attribute:
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use coalesce::Group;
//!
//! static PROFILES: Group<u64, String> = Group::new();
//! static QUERIES: AtomicUsize = AtomicUsize::new(0);
//!
//! async fn load_profile(id: u64) -> String {
//!     PROFILES
//!         .run(id, async move {
//!             QUERIES.fetch_add(1, Ordering::SeqCst);
//!             tokio::task::yield_now().await; // the slow query
//!             format!("profile {id}")
//!         })
//!         .await
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! // Three concurrent calls for the same id: one query, three answers.
//! let (a, b, c) = tokio::join!(load_profile(7), load_profile(7), load_profile(7));
//! assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("profile 7", "profile 7", "profile 7"));
//! assert_eq!(QUERIES.load(Ordering::SeqCst), 1);
//!
//! // Not a cache: the next call after that runs again.
//! load_profile(7).await;
//! assert_eq!(QUERIES.load(Ordering::SeqCst), 2);
//! # });
//! ```
//!
//! See [`Group`] for the semantics: who runs the body, what happens when the
//! running caller is cancelled or panics, and the one way to stall followers.
//!
//! # Choosing a mode
//!
//! What happens to the execution when the caller running it (the leader) is
//! dropped, say by a timeout, is the one choice to make:
//!
//! | | hand-off (default), [`Group::run`] | `detached`, [`Group::run_detached`] |
//! |---|---|---|
//! | borrowed arguments (`&self`, `&str`) | yes | no: the body must own its inputs (`String`, `self: Arc<Self>`) |
//! | a dropped leader | its body is dropped; a waiting caller runs its own | the body goes on, driven by whichever caller is polled |
//! | every caller's timeout shorter than the work | each promotion restarts the work | the work runs once; a caller that arrives while it still runs gets its result (once every caller has gone, the body is dropped) |
//! | a leader kept alive but never polled | stalls the callers waiting on it | no stall |
//! | bounds beyond `Clone + Send + 'static` output | none | the body's future is `Send + 'static` |
//! | cost | the body runs inline in the leader | the body is boxed; each wake-up of the body wakes every waiting caller |
//!
//! ```
//! use std::sync::Arc;
//! use coalesce::coalesce;
//!
//! struct Upstream {
//!     base: String,
//! }
//!
//! impl Upstream {
//!     // Callers time out after 1 s; the upstream takes 2 s. Detached, the
//!     // request goes on when one gives up, and a caller still waiting, or
//!     // arriving while it runs, gets it.
//!     #[coalesce(key = "path", detached)]
//!     async fn get(self: Arc<Self>, path: String) -> std::io::Result<String> {
//!         Ok(format!("{}{path}", self.base))
//!     }
//! }
//! # futures::executor::block_on(async {
//! let upstream = Arc::new(Upstream { base: "http://127.0.0.1".into() });
//! assert_eq!(upstream.get("/a".into()).await.unwrap(), "http://127.0.0.1/a");
//! # });
//! ```
//!
//! # Stacking with other attributes
//!
//! Attributes expand from the outside in, so the order says what
//! `#[coalesce]` wraps:
//!
//! | stack | what happens |
//! |---|---|
//! | `#[tracing::instrument]` above `#[coalesce]` | the span wraps the body, which only the leader runs: one span and, with `err`, one ERROR per execution; waiting callers log nothing and wait outside any span |
//! | `#[tracing::instrument]` below `#[coalesce]` | the span wraps the whole coalesced call: every caller gets its span and, with `err`, logs the error it received, so one failing query logs one ERROR per caller |
//! | `#[async_trait]` on the impl, `#[coalesce]` on its method | `#[coalesce]` finds the boxed body async-trait made and coalesces it; calls through `Arc<dyn Trait>` and through the concrete type share one execution |
//! | a cache in front (moka's `get_with`, or your own lookup) | the cache outside, `#[coalesce]` on the loader it calls on a miss: hits never reach the map, and a stampede of misses runs the loader once |
//!
//! ```
//! use coalesce::coalesce;
//!
//! // One span and one ERROR per failed query, however many callers wait.
//! #[tracing::instrument(err)]
//! #[coalesce(key = "id")]
//! async fn find_user(id: u64) -> Result<String, String> {
//!     Err(format!("user {id}: connection refused"))
//! }
//! # futures::executor::block_on(async { assert!(find_user(1).await.is_err()) });
//! ```
//!
//! # Blocking functions
//!
//! On a plain `fn`, the attribute coalesces threads: while one thread runs
//! the body for a key, the others with an equal key park until it ends and
//! return a clone of its value (Go's `singleflight`; [`Group::run_blocking`]
//! without the attribute). Delivery, panics, stats and "not a cache" are as
//! for `async fn`; `detached` does not apply, since a thread cannot be
//! dropped halfway.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use coalesce::coalesce;
//!
//! static READS: AtomicUsize = AtomicUsize::new(0);
//!
//! #[coalesce(key = "path")]
//! fn load_config(path: &str) -> std::io::Result<String> {
//!     READS.fetch_add(1, Ordering::SeqCst);
//!     Ok(format!("contents of {path}")) // std::fs::read_to_string(path)?
//! }
//!
//! std::thread::scope(|scope| {
//!     for _ in 0..4 {
//!         scope.spawn(|| assert_eq!(load_config("app.toml").unwrap(), "contents of app.toml"));
//!     }
//! });
//! assert!((1..=4).contains(&READS.load(Ordering::SeqCst)));
//! ```
//!
//! **Do not call a blocking coalesced fn from an async task**: a waiting
//! call parks its thread, which blocks the executor's worker, and if the
//! execution it waits for is driven by a task on that worker it never ends.
//! Call it inside `spawn_blocking`, or coalesce an `async fn` instead. The
//! crate depends on no executor, so it cannot detect this for you.
//!
//! # Across replicas
//!
//! With the `fleet` feature, a function coalesces across every process that
//! shares a Redis: a cold key costs one execution for the whole fleet of
//! replicas, not one per replica. Callers in one process share one flight
//! first; that flight takes the key's lease in Redis and runs the body, or
//! waits for the message the leader publishes as it finishes (no polling).
//!
//! ```no_run
//! # #[cfg(feature = "fleet")] mod fleet {
//! use coalesce::{coalesce, Fleet};
//!
//! #[derive(Clone, serde::Serialize, serde::Deserialize)]
//! struct Price {
//!     sku: String,
//!     cents: u64,
//! }
//!
//! #[coalesce(key = "sku", fleet)]
//! async fn price(sku: &str) -> Option<Price> {
//!     Some(Price { sku: sku.to_owned(), cents: 1_299 }) // the upstream call
//! }
//!
//! async fn start() {
//!     match Fleet::connect("redis://127.0.0.1:6379").await {
//!         Ok(fleet) => fleet.install(),
//!         // Without a fleet, calls still coalesce within this process.
//!         Err(error) => eprintln!("coalescing within this process only: {error}"),
//!     }
//! }
//! # }
//! ```
//!
//! The key must be `Serialize` and the output `Serialize +
//! DeserializeOwned`: values travel as JSON. A `Result`'s error that is not
//! `Serialize` but is shared (anyhow, `Box<dyn Error>`, `io::Error`, your
//! enum with a `SharedError` variant) travels as its text: other replicas'
//! callers receive a [`SharedError`] around a [`RemoteError`]. A flight is named by the
//! fleet's namespace, the function's name (`fleet_name = "..."` pins it) and
//! the key's JSON. A dead leader's lease expires and a waiting replica runs
//! the body; a dropped or panicking leader releases it at once; an
//! unreachable Redis means a local execution (fail open), never a hang.
//! Where this differs from the local contract: a leader that outlives its
//! lease can cause one more execution, and during a Redis outage each replica
//! runs the body once. [`Fleet`] has the settings, [`Group::run_fleet`] does
//! the same without the attribute, and the README's "Across replicas" tells
//! the whole protocol.
//!
//! # How much did it save?
//!
//! [`Group::stats`] counts calls, executions, calls that joined another's
//! execution, promotions and panics; [`stats()`] lists them for every
//! `#[coalesce]` function used so far, one row per function, a method named
//! with its type (`my_app::repo::UserRepo::find`). A [`Stats`] prints as one
//! line (`12 calls, 3 executions, 9 joined, 0 promotions, 0 panics, 0 in
//! flight`), and [`stats_table()`] prints every row of [`stats()`] aligned
//! under a header:
//!
//! ```text
//! function                   calls  executions  joined  promotions  panics  in flight
//! cache_miss::Service::load   2000          11    1989           0       0          0
//! ```
//!
//! With the `tracing` feature, debug events report shared flights,
//! promotions and panics: see [Tracing events](#tracing-events).
//!
//! # Tracing events
//!
//! With the `tracing` feature, the runtime emits these events at `DEBUG`,
//! all with the target `coalesce` (a stable name, not a module path: enable
//! them with `RUST_LOG=coalesce=debug` under an `EnvFilter`):
//!
//! | message | when | fields |
//! |---|---|---|
//! | `one execution shared by several callers` | a flight ended with a value that at least one caller besides the one that ran the body received; a call alone sends nothing | `function`, `key`, `callers` |
//! | `leader dropped; this caller now runs its own body for the others` | a waiting caller was promoted after its leader was dropped | `function`, `key` |
//! | `the body panicked; every follower panics too` | a body panicked | `function`, `key`, `panic` |
//!
//! | field | value |
//! |---|---|
//! | `function` | the name [`stats()`] lists the function under (`my_app::repo::UserRepo::find`); `Group` for a plain [`Group`] and for a function with `group = PATH` |
//! | `key` | the key's `Debug` form, written once: `key=7`, `key="a@b.c"` for a `String`. Absent when the key has no `Debug`, when keys are not logged (below), and for a plain [`Group`] or `group = PATH` |
//! | `callers` | the callers that received the value: the one that ran the body and those that waited for it |
//! | `panic` | the panic's message, when it is a string |
//!
//! The `fmt` subscriber prints a shared flight as:
//!
//! ```text
//! DEBUG coalesce: one execution shared by several callers function="app::find_user" key="a@b.c" callers=2
//! ```
//!
//! Keys are often emails or tokens. Whether an event carries the key, first
//! rule that applies:
//!
//! 1. the function's own `#[coalesce(log_key = false)]` or `log_key = true`;
//! 2. the process-wide default, the last call of [`log_keys`];
//! 3. keys are logged.
//!
//! ```
//! use coalesce::coalesce;
//!
//! #[coalesce(key = "email", log_key = false)] // never in the logs
//! async fn find_by_email(email: &str) -> Option<u64> {
//!     tokio::task::yield_now().await; // the slow query
//!     email.find('@').map(|at| at as u64)
//! }
//!
//! #[coalesce(key = "id", log_key = true)] // logged whatever the default
//! async fn find_by_id(id: u64) -> Option<u64> {
//!     Some(id)
//! }
//!
//! coalesce::log_keys(false); // at startup: keys out of every other function's events
//! # futures::executor::block_on(async {
//! assert_eq!(find_by_email("a@b.c").await, Some(1));
//! assert_eq!(find_by_id(7).await, Some(7));
//! # });
//! ```
//!
//! An event is built only when a subscriber enables `DEBUG` for the target
//! `coalesce`; otherwise it costs one level check. While it is enabled, each
//! call formats its key when it joins, since any caller may be the one to
//! report (a promoted one, or the driver of a detached body), unless the key
//! is not logged: then `Debug` never runs. The cost, measured on 1,000
//! callers of one key, is in `BENCHMARKS.md`, "Tracing events".
//!
//! # Metrics
//!
//! With the `metrics` feature, every group's counters are also recorded
//! through the [`metrics`](https://docs.rs/metrics) facade crate, so the
//! exporter the application installed (Prometheus, OpenTelemetry, StatsD)
//! exports them with its other metrics:
//!
//! | metric | kind | unit | what it counts |
//! |---|---|---|---|
//! | `coalesce_calls_total` | counter | count | calls that joined or opened a flight ([`Stats::calls`]) |
//! | `coalesce_executions_total` | counter | count | bodies that started, promoted followers' included ([`Stats::executions`]) |
//! | `coalesce_joined_total` | counter | count | calls that returned a value another call's body produced ([`Stats::joined`]) |
//! | `coalesce_promotions_total` | counter | count | followers that took over after their leader was dropped ([`Stats::promotions`]) |
//! | `coalesce_panics_total` | counter | count | bodies that panicked ([`Stats::panics`]) |
//! | `coalesce_flight_callers` | histogram | count | one sample per flight that ended with a value or a panic: the caller that ran the body and the followers still waiting for it |
//!
//! Every metric has one label, `function`: the name [`stats()`] lists the
//! function under. Calls to a plain [`Group`] record under
//! `function="Group"`, all plain groups together, and so do the calls of a
//! function with `group = PATH`: they are calls of that group, which other
//! functions may share, so each is counted once (`stats()` lists them under
//! the function as well). Keys in flight are not exported; read
//! [`Stats::in_flight`].
//!
//! A group registers its metrics at its first call, with the recorder
//! installed then: install the recorder (the exporter) before the first
//! coalesced call. After that a call adds a few relaxed increments and
//! allocates nothing; without the feature, none of this is compiled.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub use coalesce_runtime::{
    log_keys, run, stats, stats_table, Group, ShareError, SharedError, Stats, StatsTable,
};
#[cfg(feature = "fleet")]
#[cfg_attr(docsrs, doc(cfg(feature = "fleet")))]
pub use coalesce_runtime::{Fleet, FleetBuilder, FleetError, FleetStats, RemoteError};

/// Coalesces concurrent calls of an `async fn` with equal keys into one
/// execution; every caller receives a clone of the result.
///
/// # Examples
///
/// Keys are converted to owned values without moving the arguments: `&str`
/// becomes `String`, and calls with equal text share one execution.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use coalesce::coalesce;
///
/// static LOOKUPS: AtomicUsize = AtomicUsize::new(0);
///
/// #[coalesce] // the key is `name`, as a `String`
/// async fn resolve(name: &str) -> Option<std::net::Ipv4Addr> {
///     LOOKUPS.fetch_add(1, Ordering::SeqCst);
///     tokio::task::yield_now().await; // the slow lookup
///     name.ends_with(".local").then(|| std::net::Ipv4Addr::LOCALHOST)
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (first, second) = (String::from("db.local"), String::from("db.local"));
/// let (a, b) = tokio::join!(resolve(&first), resolve(&second));
/// assert_eq!((a, b), (Some(std::net::Ipv4Addr::LOCALHOST), Some(std::net::Ipv4Addr::LOCALHOST)));
/// assert_eq!(LOOKUPS.load(Ordering::SeqCst), 1);
/// # });
/// ```
///
/// `group = STATIC` runs in a [`Group`] you declared, to inspect or `forget`
/// its entries; `?` and `return` in the body work as before.
///
/// ```
/// use coalesce::{coalesce, Group};
///
/// type Parsed = Result<u64, std::num::ParseIntError>;
/// static PARSES: Group<String, Parsed> = Group::new();
///
/// #[coalesce(key = "text", group = PARSES)]
/// async fn parse(text: &str) -> Parsed {
///     if text.is_empty() {
///         return Ok(0);
///     }
///     let value = text.parse::<u64>()?;
///     Ok(value)
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(parse("42").await.unwrap(), 42);
/// assert!(parse("forty-two").await.is_err());
/// assert_eq!(PARSES.in_flight(), 0);
/// # });
/// ```
///
/// A key that is not `Hash + Eq`, or an output that can be neither cloned nor
/// shared (see [Errors](crate#errors)), is a compile error on the key or the
/// return type that says what to change:
///
/// ```compile_fail
/// # use coalesce::coalesce;
/// # #[derive(Debug)] struct DbError;
/// #[coalesce] // error: the error of a `#[coalesce]` fn, `DbError`, cannot be shared
/// async fn find(id: u64) -> Result<String, DbError> {
///     Ok(id.to_string())
/// }
/// ```
///
/// # Across a fleet
///
/// With the `fleet` feature, calls coalesce across every process that shares
/// a Redis too: first within the process, then one execution per key for the
/// whole fleet. The key travels as JSON, so it must be `serde::Serialize`, and
/// so does the output, which must be `Serialize + DeserializeOwned`, except
/// that a `Result`'s error that is shared (see [Errors](crate#errors)) and
/// not `Serialize` travels as its text, a `RemoteError` for the callers of
/// other replicas. `fleet` is an error on a plain `fn`.
///
/// - `fleet`: the fleet installed with `Fleet::install` at startup. Until
///   one is, the function coalesces within the process only.
#[cfg_attr(
    feature = "fleet",
    doc = r#"
```
use coalesce::coalesce;

#[coalesce(key = "id", fleet)]
async fn find_user(id: u64) -> Option<String> {
    Some(format!("user {id}")) // the query every replica would run
}

# futures::executor::block_on(async {
// No fleet installed here: the call runs in this process.
assert_eq!(find_user(7).await.as_deref(), Some("user 7"));
# });
```
"#
)]
/// - `fleet = EXPR` (or `fleet = "EXPR"`): a `Fleet` of your own, an
///   expression over the arguments and `self` like `key`; it must give a
///   `Fleet` (it is borrowed as `&Fleet`).
#[cfg_attr(
    feature = "fleet",
    doc = r#"
```
use coalesce::{coalesce, Fleet};

struct Prices {
    fleet: Fleet, // from `Fleet::connect(..)`, which needs a Redis
}

impl Prices {
    #[coalesce(key = "sku", fleet = self.fleet)]
    async fn price(&self, sku: &str) -> Option<u64> {
        sku.starts_with("sku-").then_some(1_299) // the upstream call
    }
}
```
"#
)]
/// - `fleet_name = "..."`: what the replicas know the function by, instead
///   of its path (`app::users::find_user`, with the type arguments of a
///   generic function's instantiation), which moves when the code does.
///   Change it when the output's shape changes (`"users/find/v2"`), so that
///   old and new replicas never exchange values. Only with `fleet`; every
///   instantiation of a generic function shares it.
#[cfg_attr(
    feature = "fleet",
    doc = r#"
```
use coalesce::coalesce;

#[coalesce(key = "id", fleet, fleet_name = "users/find/v2")]
async fn find_user(id: u64) -> Result<String, String> {
    Ok(format!("user {id}"))
}
# assert_eq!(futures::executor::block_on(find_user(7)).unwrap(), "user 7");
```
"#
)]
#[doc(inline)]
pub use coalesce_macros::coalesce;

/// The README's examples, compiled as doctests so they cannot drift. Its
/// fleet example needs the `fleet` feature, which the README's test command
/// turns on with every other.
#[cfg(all(doctest, feature = "fleet"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The contract between the code `#[coalesce]` generates and the runtime.
/// Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use coalesce_runtime::macro_support::*;
}
