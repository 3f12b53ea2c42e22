//! `Group::try_run` and its kin: the `run` methods for a `Result` whose
//! error is not `Clone` (`anyhow::Error`, a boxed error, your own error
//! enum), in a group that holds the errors as [`SharedError`]s.

use std::future::{poll_fn, Future};
use std::hash::Hash;
use std::pin::pin;

use super::Group;
use crate::blocking;
use crate::call::Call;
use crate::shared_error::{ShareError, SharedError};

/// Bodies that return `Result<T, E>` for any error type `E` that
/// [`ShareError`] covers. The group holds `Result<T, SharedError>`; each
/// call gets back its own `Result<T, E>`, and calls with different error
/// types may share one execution.
///
/// ```
/// use coalesce::{Group, SharedError};
///
/// static CONFIGS: Group<String, Result<String, SharedError>> = Group::new();
///
/// async fn load(path: &str) -> anyhow::Result<String> {
///     CONFIGS
///         .try_run(path.to_owned(), async move {
///             anyhow::ensure!(path.ends_with(".toml"), "{path} is not a TOML file");
///             Ok(format!("contents of {path}"))
///         })
///         .await
/// }
///
/// # futures::executor::block_on(async {
/// let (a, b) = futures::future::join(load("app.yaml"), load("app.yaml")).await;
/// assert_eq!(a.unwrap_err().to_string(), "app.yaml is not a TOML file");
/// assert_eq!(b.unwrap_err().to_string(), "app.yaml is not a TOML file");
/// # });
/// ```
///
/// Every caller receives an `Err` as `E::from` a [`SharedError`]: the leader
/// too, and a caller that ran alone, so that what a test of one call sees is
/// what callers under load see. Callers of one execution hold one
/// `SharedError` (same text, same causes).
impl<K, T> Group<K, Result<T, SharedError>>
where
    K: Hash + Eq + Send + Sync + 'static,
    T: Clone + Send + 'static,
{
    /// Like [`run`](Group::run), for a body whose error is not `Clone`:
    /// the `Ok` value is cloned for each caller, the error shared through
    /// [`ShareError`] (every caller's, the leader's too).
    /// (Example: this `impl` block's.)
    ///
    /// # Cancel safety
    ///
    /// As for [`run`](Group::run).
    ///
    /// # Panics
    ///
    /// As for [`run`](Group::run).
    pub async fn try_run<E, F>(&self, key: K, fut: F) -> Result<T, E>
    where
        E: ShareError,
        F: Future<Output = Result<T, E>>,
    {
        let body = async move { fut.await.map_err(E::into_shared) };
        let (result, _) = drive!(Call::join(self.parts(), key), Some(body));
        result.map_err(E::from_shared)
    }

    /// Like [`try_run`](Group::try_run), and also says whether the result
    /// went to more than one caller, as [`run_shared`](Group::run_shared).
    /// (Example: this `impl` block's.)
    ///
    /// # Cancel safety
    ///
    /// As for [`run`](Group::run).
    ///
    /// # Panics
    ///
    /// As for [`run`](Group::run).
    pub async fn try_run_shared<E, F>(&self, key: K, fut: F) -> (Result<T, E>, bool)
    where
        E: ShareError,
        F: Future<Output = Result<T, E>>,
    {
        // Shared inside the body, so that a panic there fails the flight as
        // the body's own would.
        let body = async move { fut.await.map_err(E::into_shared) };
        let (result, shared) = drive!(Call::join(self.parts(), key), Some(body));
        (result.map_err(E::from_shared), shared)
    }

    /// Like [`run_detached`](Group::run_detached), for a body whose error is
    /// not `Clone`.
    /// (Example: this `impl` block's.)
    ///
    /// # Cancel safety
    ///
    /// As for [`run_detached`](Group::run_detached).
    ///
    /// # Panics
    ///
    /// As for [`run_detached`](Group::run_detached).
    pub async fn try_run_detached<E, F>(&self, key: K, fut: F) -> Result<T, E>
    where
        E: ShareError,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let body = async move { fut.await.map_err(E::into_shared) };
        let (call, body) = Call::join_detached(self.parts(), key, body);
        let (result, _) = drive!(call, body);
        result.map_err(E::from_shared)
    }

    /// Like [`try_run_detached`](Group::try_run_detached), and also says
    /// whether the result went to more than one caller.
    /// (Example: this `impl` block's.)
    ///
    /// # Cancel safety
    ///
    /// As for [`run_detached`](Group::run_detached).
    ///
    /// # Panics
    ///
    /// As for [`run_detached`](Group::run_detached).
    pub async fn try_run_detached_shared<E, F>(&self, key: K, fut: F) -> (Result<T, E>, bool)
    where
        E: ShareError,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let body = async move { fut.await.map_err(E::into_shared) };
        let (call, body) = Call::join_detached(self.parts(), key, body);
        let (result, shared) = drive!(call, body);
        (result.map_err(E::from_shared), shared)
    }

    /// Like [`run_blocking`](Group::run_blocking), for a body whose error is
    /// not `Clone`. Do not call it from an async task.
    /// (Example: this `impl` block's.)
    ///
    /// # Panics
    ///
    /// As for [`run_blocking`](Group::run_blocking).
    pub fn try_run_blocking<E, F>(&self, key: K, body: F) -> Result<T, E>
    where
        E: ShareError,
        F: FnOnce() -> Result<T, E>,
    {
        self.try_run_blocking_shared(key, body).0
    }

    /// Like [`try_run_blocking`](Group::try_run_blocking), and also says
    /// whether the result went to more than one caller.
    /// (Example: this `impl` block's.)
    ///
    /// # Panics
    ///
    /// As for [`run_blocking`](Group::run_blocking).
    pub fn try_run_blocking_shared<E, F>(&self, key: K, body: F) -> (Result<T, E>, bool)
    where
        E: ShareError,
        F: FnOnce() -> Result<T, E>,
    {
        blocking::block_on(self.try_run_shared(key, async move { body() }))
    }
}
