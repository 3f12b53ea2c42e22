//! `Group::run_fleet`: coalescing within the process first, then across
//! every replica that shares the fleet's Redis.

use std::future::Future;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Group;
use crate::fleet::codec::{Json, OkJson};
use crate::fleet::Fleet;
use crate::shared_error::{ShareError, SharedError};

impl<K, V> Group<K, V>
where
    K: Hash + Eq + Send + Sync + 'static + Serialize,
    V: Clone + Send + 'static + Serialize + DeserializeOwned,
{
    /// Like [`run`](Group::run), and across processes too: the calls for
    /// `key` in this group share one execution, and one request for it goes
    /// to `fleet`, where every replica that runs `name` with an equal key
    /// shares one execution of the body.
    ///
    /// `name` says what the body computes, the same in every replica and
    /// stable across releases (`"users::find"`, `"users::find/v2"` after a
    /// change of the value's shape). The key and the value travel as JSON
    /// (`serde_json`): equal keys must encode to equal text, which holds for
    /// integers, strings, tuples and structs, and not for maps with an
    /// unordered iteration.
    ///
    /// Another replica's result arrives when its body finishes; when the
    /// replica holding the key dies, the next waiting replica runs the body
    /// once its lease expires. When Redis does not answer within the fleet's
    /// `redis_timeout`, the body runs here (fail open, counted in
    /// [`Fleet::stats`]).
    ///
    /// ```no_run
    /// use coalesce::{Fleet, Group};
    ///
    /// static PRICES: Group<String, Option<u64>> = Group::new();
    ///
    /// async fn price(fleet: &Fleet, sku: &str) -> Option<u64> {
    ///     PRICES
    ///         .run_fleet(fleet, "prices::find", sku.to_owned(), async {
    ///             Some(1_299) // the upstream call every replica would make
    ///         })
    ///         .await
    /// }
    /// # async fn start() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379").await.unwrap();
    /// assert_eq!(price(&fleet, "sku-1").await, Some(1_299));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As for [`run`](Group::run) within the process. A replica that drops
    /// the call while it runs the body releases the key's lease, and one
    /// waiting replica runs its own body next.
    ///
    /// # Panics
    ///
    /// As for [`run`](Group::run); a body that panics in another replica
    /// panics here too, with a message that repeats the other's.
    pub async fn run_fleet<F>(&self, fleet: &Fleet, name: &str, key: K, fut: F) -> V
    where
        F: Future<Output = V>,
    {
        let flight = fleet.flight(name, &key);
        self.run(key, flight.run::<V, Json, F>(fut)).await
    }
}

impl<K, T> Group<K, Result<T, SharedError>>
where
    K: Hash + Eq + Send + Sync + 'static + Serialize,
    T: Clone + Send + 'static + Serialize + DeserializeOwned,
{
    /// Like [`run_fleet`](Group::run_fleet), for a body whose error is not
    /// `Clone` (as [`try_run`](Group::try_run)) and need not be `Serialize`:
    /// the `Ok` value travels as JSON, and an error as its text. Callers in
    /// other replicas receive that error as `E::from` a [`SharedError`]
    /// around a [`RemoteError`](crate::RemoteError): its text is the
    /// original's `{:#}`, while its type and causes stay in the replica that
    /// ran the body. An error that is `Serialize` travels whole with
    /// [`run_fleet`](Group::run_fleet) on a `Group<K, Result<T, E>>`.
    ///
    /// ```no_run
    /// use coalesce::{Fleet, Group, SharedError};
    ///
    /// static USERS: Group<u64, Result<String, SharedError>> = Group::new();
    ///
    /// async fn find_user(fleet: &Fleet, id: u64) -> anyhow::Result<String> {
    ///     USERS
    ///         .try_run_fleet(fleet, "users::find", id, async move {
    ///             anyhow::ensure!(id != 0, "no user 0");
    ///             Ok(format!("user {id}"))
    ///         })
    ///         .await
    /// }
    /// # async fn start() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379").await.unwrap();
    /// assert_eq!(find_user(&fleet, 0).await.unwrap_err().to_string(), "no user 0");
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As for [`run_fleet`](Group::run_fleet).
    ///
    /// # Panics
    ///
    /// As for [`run_fleet`](Group::run_fleet).
    pub async fn try_run_fleet<E, F>(
        &self,
        fleet: &Fleet,
        name: &str,
        key: K,
        fut: F,
    ) -> Result<T, E>
    where
        E: ShareError,
        F: Future<Output = Result<T, E>>,
    {
        let flight = fleet.flight(name, &key);
        // Shared inside the body, as `try_run` does, so the flight carries
        // the `SharedError` every caller's error is built from.
        let body = async move { fut.await.map_err(E::into_shared) };
        let result = self.run(key, flight.run::<_, OkJson, _>(body)).await;
        result.map_err(E::from_shared)
    }
}
