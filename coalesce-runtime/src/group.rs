//! `Group`: the in-flight map and its public API.

use std::borrow::Borrow;
use std::fmt;
use std::future::{poll_fn, Future};
use std::hash::Hash;
use std::pin::pin;

/// Drives `call` with the body `fut` (an `Option`: `None` for a caller that
/// brought none) to its `(value, shared)`, in the `async fn` that expands it.
/// Each `run` method expands it rather than awaiting another: a future that
/// awaits another holds the arguments twice, the body included.
macro_rules! drive {
    ($call:expr, $fut:expr) => {{
        let mut call = $call;
        // Declared after `call`, so it drops first: an abandoned body is gone
        // before a follower is promoted to run its own.
        let mut fut = pin!($fut);
        poll_fn(|cx| call.poll(cx, fut.as_mut())).await
    }};
}

mod fallible;
#[cfg(feature = "fleet")]
mod fleet;

use crate::blocking;
use crate::call::{Call, Parts};
use crate::events::Label;
use crate::map::Map;
use crate::stats::{Counters, Stats};

/// A map of in-flight executions: concurrent calls with equal keys share one.
///
/// While an execution for a key is running, every [`run`](Group::run) with an
/// equal key waits for it and returns a clone of its value instead of running
/// its own future. When the execution finishes its entry is gone: the next call
/// runs again. A `Group` is not a cache; it is what stands between a cache miss
/// and a stampede.
///
/// `Group::new` is `const`, so a group can live in a `static`:
///
/// ```
/// use coalesce::Group;
///
/// static USERS: Group<u64, Option<String>> = Group::new();
///
/// async fn find_user(id: u64) -> Option<String> {
///     USERS.run(id, async move { Some(format!("user {id}")) }).await
/// }
/// # futures::executor::block_on(async {
/// assert_eq!(find_user(7).await.as_deref(), Some("user 7"));
/// assert_eq!(USERS.in_flight(), 0);
/// # });
/// ```
///
/// # Leaders, followers and hand-off
///
/// The first call for a key is its *leader*: it polls its own future, inline,
/// in its own task. Calls that arrive while it runs are *followers*: they wait
/// and never poll their futures. If the leader is dropped before its future
/// finishes (a timeout, a `select!`, an aborted task), its execution is
/// abandoned and the longest-waiting follower is promoted: it runs *its own*
/// future and leads the others. Nobody ever receives a value from an abandoned
/// execution, and nobody waits forever.
///
/// **A leader that is kept alive but no longer polled stalls its followers.**
/// Because the leader drives the execution inside its own future, a leader
/// future that was polled once and then parked (stored, or stuck in a
/// `select!` branch that is never polled again) neither finishes nor hands
/// off. Drop such a future, or keep polling it — or, when the future owns its
/// inputs, use [`run_detached`](Group::run_detached): the execution then
/// belongs to the flight and any waiting caller drives it.
///
/// # Keys and hashing
///
/// Keys are hashed with foldhash, seeded at random per process and per group,
/// so keys taken from requests cannot be chosen to flood one bucket. The map
/// is split into shards (four per core, at most 64), each with its own lock,
/// so calls for unrelated keys on different cores seldom wait for each
/// other. A key's `Hash` runs outside every lock; its `Eq` runs under its
/// shard's and should be cheap.
///
/// # Memory
///
/// A call nobody joins allocates nothing: its state lives in its map entry.
/// The first follower gives the flight its shared state (one allocation);
/// each follower then costs one slot in it, and no allocation of its own.
pub struct Group<K, V> {
    map: Map<K, V>,
    counters: Counters,
    label: Option<Label<K>>,
}

impl<K, V> Group<K, V> {
    /// Creates an empty group. It allocates nothing until the first call.
    /// (Example: the type's, a `static` group.)
    #[must_use]
    pub const fn new() -> Self {
        Self {
            map: Map::new(),
            counters: Counters::new(),
            label: None,
        }
    }

    /// A group named for `coalesce::stats()` and tracing events.
    pub(crate) fn labelled(label: Label<K>) -> Self {
        Self {
            label: Some(label),
            ..Self::new()
        }
    }

    fn parts(&self) -> Parts<'_, K, V> {
        Parts {
            map: &self.map,
            counters: &self.counters,
            label: self.label.as_ref(),
        }
    }

    /// The number of keys with an execution in flight.
    /// (Example: [`is_in_flight`](Group::is_in_flight)'s.)
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.map.len()
    }

    /// The group's counters: calls, executions, calls that joined another's
    /// execution, promotions after a cancelled leader, panics, and the keys in
    /// flight now. (Example: [`Stats`]'.)
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.counters.snapshot(self.map.tally())
    }
}

impl<K, V> Group<K, V>
where
    K: Hash + Eq,
{
    /// Detaches the in-flight execution for `key`, if any, and returns whether
    /// there was one.
    ///
    /// The next call for `key` starts a new execution even while the detached
    /// one is still running; the detached execution's current followers stay
    /// with it and receive its value. Use it when the running execution is known
    /// to be stale (the data it reads was just written).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let group = coalesce::Group::<&str, u64>::new();
    /// let (tx, rx) = futures::channel::oneshot::channel::<u64>();
    /// let stale = group.run("balance", async { rx.await.unwrap() });
    /// let fresh = async {
    ///     // The balance was just written: the read in flight is stale.
    ///     assert!(group.forget("balance"));
    ///     let fresh = group.run("balance", async { 20 }).await;
    ///     tx.send(10).unwrap();
    ///     fresh
    /// };
    /// assert_eq!(futures::join!(stale, fresh), (10, 20));
    /// # });
    /// ```
    pub fn forget<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.forget(key)
    }

    /// Whether an execution for `key` is in flight.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let group = coalesce::Group::<String, u64>::new();
    /// let (tx, rx) = futures::channel::oneshot::channel::<u64>();
    /// let call = group.run("orders".to_owned(), async { rx.await.unwrap() });
    /// let check = async {
    ///     // A `&str` finds a `String` key.
    ///     assert!(group.is_in_flight("orders"));
    ///     assert_eq!(group.in_flight(), 1);
    ///     tx.send(3).unwrap();
    /// };
    /// assert_eq!(futures::join!(call, check).0, 3);
    /// assert!(!group.is_in_flight("orders"));
    /// # });
    /// ```
    #[must_use]
    pub fn is_in_flight<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.contains(key)
    }
}

impl<K, V> Group<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + 'static,
{
    /// Runs `fut` for `key`, unless an execution for an equal key is already in
    /// flight, in which case it waits for that one and returns a clone of its
    /// value (`Ok` and `Err` alike).
    ///
    /// The call joins or opens a flight when it is first polled, not when
    /// `run` is called: two futures created one after the other and awaited
    /// one after the other run twice; the same two joined concurrently run once.
    ///
    /// `fut` is polled only if this call leads: a follower drops its `fut`
    /// unpolled when it returns, unless the leader went away and it was promoted.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future is always safe. A dropped follower just
    /// leaves. A dropped leader drops `fut` (its execution is abandoned), then
    /// promotes one follower,
    /// which runs its own `fut`; when no follower is left the entry is removed
    /// and the next call starts afresh. A leader that is kept alive but never
    /// polled again stalls its followers: drop it or keep polling it.
    ///
    /// # Panics
    ///
    /// If `fut` panics, the panic continues in the leader with its original
    /// payload, the entry is removed, and every follower panics with a message
    /// that says the coalesced call panicked and repeats the leader's message.
    /// Followers are not promoted to run a panicking body again.
    ///
    /// The leader clones the value once for each follower when it returns. A
    /// `Clone` that panics fails the follower that copy was for, with a
    /// message that says so; the leader and the other followers get theirs.
    ///
    /// A body that awaits its own group with the same key waits for itself
    /// forever; different keys are fine.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let group = coalesce::Group::<u64, String>::new();
    /// let (tx, rx) = futures::channel::oneshot::channel::<()>();
    /// let leader = group.run(7, async { rx.await.unwrap(); "user 7".to_owned() });
    /// // Arrives while the leader runs: it waits, and its own body never runs.
    /// let follower = group.run(7, async { "never runs".to_owned() });
    /// let release = async { tx.send(()).unwrap() };
    /// let (a, b, ()) = futures::join!(leader, follower, release);
    /// assert_eq!((a.as_str(), b.as_str()), ("user 7", "user 7"));
    /// assert_eq!(group.stats().executions, 1);
    /// # });
    /// ```
    pub async fn run<F>(&self, key: K, fut: F) -> V
    where
        F: Future<Output = V>,
    {
        drive!(Call::join(self.parts(), key), Some(fut)).0
    }

    /// Like [`run`](Group::run), and also says whether the value was handed to
    /// more than one caller (Go's `shared`): always `true` for a follower, and
    /// `true` for the leader when at least one follower was waiting for it.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let group = coalesce::Group::<u64, String>::new();
    /// let (alone, shared) = group.run_shared(7, async { "user 7".to_owned() }).await;
    /// assert_eq!((alone.as_str(), shared), ("user 7", false));
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As for [`run`](Group::run).
    ///
    /// # Panics
    ///
    /// As for [`run`](Group::run).
    pub async fn run_shared<F>(&self, key: K, fut: F) -> (V, bool)
    where
        F: Future<Output = V>,
    {
        drive!(Call::join(self.parts(), key), Some(fut))
    }

    /// Runs `fut` for `key` like [`run`](Group::run), except that the
    /// execution belongs to the flight, not to the call that started it: it
    /// goes on when that call is dropped, any waiting caller drives it, and it
    /// is dropped (and the entry removed) only when every caller is gone.
    ///
    /// This is what `#[coalesce(detached)]` runs. Use it when the body owns
    /// its inputs (`fut` is `Send + 'static`) and callers may give up before
    /// the work is done: with [`run`](Group::run), every caller whose timeout
    /// is shorter than the work restarts it when promoted; here the work runs
    /// once, and a caller that arrives while it still runs gets its value.
    /// Once every caller is gone the work is dropped, so a retry after that
    /// runs it again. A caller that is kept alive but never polled does not
    /// stall the others either.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let group = coalesce::Group::<u64, String>::new();
    /// let id = 7;
    /// let name = group.run_detached(id, async move { format!("user {id}") }).await;
    /// assert_eq!(name, "user 7");
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future is always safe and costs the others
    /// nothing; the last caller to go drops `fut` and removes the entry.
    ///
    /// # Panics
    ///
    /// If `fut` panics, the caller that was polling it resumes the panic with
    /// its original payload, and every other caller panics with a message
    /// that repeats it. The flight ends before `fut` is dropped, so a `Drop`
    /// of `fut` that panics too cannot leave the others waiting.
    pub async fn run_detached<F>(&self, key: K, fut: F) -> V
    where
        F: Future<Output = V> + Send + 'static,
    {
        let (call, fut) = Call::join_detached(self.parts(), key, fut);
        drive!(call, fut).0
    }

    /// Like [`run_detached`](Group::run_detached), and also says whether the
    /// value went to more than one caller, as [`run_shared`](Group::run_shared).
    /// (Examples: those two methods'.)
    ///
    /// # Cancel safety
    ///
    /// As for [`run_detached`](Group::run_detached).
    ///
    /// # Panics
    ///
    /// As for [`run_detached`](Group::run_detached).
    pub async fn run_detached_shared<F>(&self, key: K, fut: F) -> (V, bool)
    where
        F: Future<Output = V> + Send + 'static,
    {
        // `Some` when this call joined a flight someone else leads: if that
        // leader is dropped, this call may be promoted to run its own.
        let (call, fut) = Call::join_detached(self.parts(), key, fut);
        drive!(call, fut)
    }
}

impl<K, V> Group<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + 'static,
{
    /// Runs `body` for `key` on this thread, unless an execution for an equal
    /// key is in flight, in which case this thread parks until it finishes
    /// and returns a clone of its value: Go's `singleflight.Do`.
    ///
    /// This is what `#[coalesce]` runs on a plain (non-`async`) `fn`. Use it
    /// where threads, not tasks, stampede: a thread pool that renders, a CLI
    /// that loads configuration from several threads, a `spawn_blocking`
    /// section. The flights are the ones [`run`](Group::run) uses: a thread
    /// may join an execution an async caller leads, and the reverse.
    ///
    /// ```
    /// use std::sync::Barrier;
    /// use coalesce::Group;
    ///
    /// static CONFIG: Group<String, String> = Group::new();
    ///
    /// fn load(path: &str) -> String {
    ///     CONFIG.run_blocking(path.to_owned(), || format!("contents of {path}"))
    /// }
    ///
    /// let barrier = Barrier::new(4);
    /// std::thread::scope(|scope| {
    ///     for _ in 0..4 {
    ///         scope.spawn(|| {
    ///             barrier.wait();
    ///             assert_eq!(load("app.toml"), "contents of app.toml");
    ///         });
    ///     }
    /// });
    /// ```
    ///
    /// # Blocking
    ///
    /// A waiting thread parks (no spinning, no timer) until the execution it
    /// waits for ends, so **do not call it from an async task**: it blocks
    /// the executor's worker, and if the execution it waits for is driven by
    /// a task on that worker, it never ends. From async code use
    /// [`run`](Group::run), or call this inside `spawn_blocking`. Nothing
    /// here can detect an executor (the crate depends on none), so this is
    /// on you.
    ///
    /// A waiting thread that joins a [detached](Group::run_detached)
    /// execution may poll its body, on its own thread, while no other caller
    /// does: a body that needs its executor's context (timers, sockets)
    /// panics there, and the panic fails that execution for every caller.
    ///
    /// # Panics
    ///
    /// If `body` panics, the panic continues in this thread with its original
    /// payload, the entry is removed, and every waiting caller panics with a
    /// message that repeats it. Waiting callers are not promoted to run a
    /// panicking body again. A body that calls its own group with the same
    /// key waits for itself forever; different keys are fine.
    pub fn run_blocking<F>(&self, key: K, body: F) -> V
    where
        F: FnOnce() -> V,
    {
        self.run_blocking_shared(key, body).0
    }

    /// Like [`run_blocking`](Group::run_blocking), and also says whether the
    /// value went to more than one caller, as [`run_shared`](Group::run_shared).
    /// (Examples: those two methods'.)
    ///
    /// # Panics
    ///
    /// As for [`run_blocking`](Group::run_blocking).
    pub fn run_blocking_shared<F>(&self, key: K, body: F) -> (V, bool)
    where
        F: FnOnce() -> V,
    {
        // The body runs inline at the first poll when this call leads; it
        // is the same machinery as an async call, polled from a thread.
        blocking::block_on(self.run_shared(key, async move { body() }))
    }
}

impl<K, V> Default for Group<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> fmt::Debug for Group<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut group = f.debug_struct("Group");
        if let Some(label) = &self.label {
            group.field("name", &label.name);
        }
        group
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}
