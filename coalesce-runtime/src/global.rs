//! `coalesce::run`: the seed's `coalesceAsync(key, fn)`, one process-wide map.

use std::future::Future;
use std::hash::Hash;

use crate::group::Group;
use crate::type_map::TypeMap;

static GROUPS: TypeMap = TypeMap::new();

/// Runs `fut` for `key` in one process-wide map, sharing the execution with
/// every concurrent `run` whose key is equal and whose key and value types are
/// the same: two call sites with different key or value types never meet.
///
/// This mirrors promise-coalesce's `coalesceAsync(key, fn)`. Prefer a
/// dedicated [`Group`] (or the `#[coalesce]` attribute) when two unrelated
/// call sites could use equal keys of the same types for different work.
///
/// ```
/// # futures::executor::block_on(async {
/// let name = coalesce::run(("user", 7_u64), async { String::from("Ada") }).await;
/// assert_eq!(name, "Ada");
/// # });
/// ```
///
/// # Cancel safety
///
/// As for [`Group::run`]: a dropped leader hands the execution to a follower.
///
/// # Panics
///
/// As for [`Group::run`]: a panicking body panics in the leader with its
/// payload and in every follower with a message that repeats it.
pub async fn run<K, V, F>(key: K, fut: F) -> V
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + 'static,
    F: Future<Output = V>,
{
    GROUPS.get::<(), Group<K, V>>().run(key, fut).await
}
