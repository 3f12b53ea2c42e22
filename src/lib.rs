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

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use coalesce_runtime::{run, stats, Group, Stats};

#[doc(inline)]
pub use coalesce_macros::coalesce;

/// The contract between the code `#[coalesce]` generates and the runtime.
/// Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use coalesce_runtime::macro_support::*;
}
