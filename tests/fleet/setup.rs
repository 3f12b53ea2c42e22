//! What every fleet test needs: a server, a namespace of its own, replicas
//! connected to it, and a way to know that a replica waits in Redis.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use coalesce::{Fleet, Group};
use redis::aio::MultiplexedConnection;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::support::redis_server::RedisServer;
use crate::support::{within, Counter, Gate};

/// The lease of tests that are not about leases: long enough that no test
/// passes by waiting for one to expire.
pub const LONG_LEASE: Duration = Duration::from_secs(30);

/// A Redis server for one test and a namespace no other test uses; `None`
/// when the test is skipped (no `redis-server`).
pub struct Setup {
    pub server: RedisServer,
    pub namespace: String,
}

impl Setup {
    pub fn start(test: &str) -> Option<Setup> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = RedisServer::start()?;
        let namespace = format!(
            "{test}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        Some(Setup { server, namespace })
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A replica with `lease`, and a `redis_timeout` short enough that a
    /// dead Redis shows within the test's deadline.
    pub async fn replica(&self, lease: Duration) -> Fleet {
        replica(&self.url(), &self.namespace, lease).await
    }

    /// Waits until `count` replicas wait in Redis for this namespace's flights.
    pub async fn waiting_replicas(&self, count: usize) {
        waiting_replicas(&self.url(), &self.namespace, count).await;
    }

    /// Waits until `count` replicas listen for their leader's message.
    pub async fn listening_replicas(&self, count: usize) {
        listening_replicas(&self.url(), count).await;
    }

    /// A connection of the test's own, for counters the bodies keep in Redis.
    pub async fn redis(&self) -> MultiplexedConnection {
        redis(&self.url()).await
    }
}

pub async fn replica(url: &str, namespace: &str, lease: Duration) -> Fleet {
    within(
        Fleet::builder(url)
            .namespace(namespace)
            .lease(lease)
            .redis_timeout(Duration::from_millis(300))
            .warn_interval(Duration::ZERO)
            .connect(),
    )
    .await
    .unwrap_or_else(|error| panic!("a replica could not connect to {url}: {error}"))
}

pub async fn redis(url: &str) -> MultiplexedConnection {
    let client = redis::Client::open(url).expect("a Redis URL");
    within(client.get_multiplexed_async_connection())
        .await
        .unwrap_or_else(|error| panic!("the test's connection to {url}: {error}"))
}

/// Adds one to `counter` in Redis and returns the new count.
pub async fn incr(redis: &mut MultiplexedConnection, counter: &str) -> u64 {
    within(redis::cmd("INCR").arg(counter).query_async(redis))
        .await
        .expect("INCR")
}

/// Reads `counter` in Redis (0 when absent).
pub async fn count(redis: &mut MultiplexedConnection, counter: &str) -> u64 {
    within(
        redis::cmd("GET")
            .arg(counter)
            .query_async::<Option<u64>>(redis),
    )
    .await
    .expect("GET")
    .unwrap_or(0)
}

/// Waits until `count` replicas are subscribed to the channels of
/// `namespace`'s flights: a follower subscribes once it found the key's
/// lease held, so from then on it receives the leader's outcome however soon
/// the leader finishes. Nothing announces a subscription to a third party,
/// so this asks Redis (`PUBSUB NUMSUB`) until it holds, within the deadline.
pub async fn waiting_replicas(url: &str, namespace: &str, count: usize) {
    let mut redis = redis(url).await;
    within(async {
        loop {
            if subscribers(&mut redis, namespace).await >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

async fn subscribers(redis: &mut MultiplexedConnection, namespace: &str) -> usize {
    let channels: Vec<String> = redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .arg(format!("{namespace}:*"))
        .query_async(redis)
        .await
        .expect("PUBSUB CHANNELS");
    let mut total = 0;
    for channel in channels {
        let (_, subscribed): (String, usize) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(redis)
            .await
            .expect("PUBSUB NUMSUB");
        total += subscribed;
    }
    total
}

/// Waits until `count` subscribed connections last ran a script: a waiting
/// replica subscribes, asks for the lease once more (the lease script), and
/// from then on only listens. For the few tests where a replica must be
/// listening, not between two commands, when Redis stops answering.
pub async fn listening_replicas(url: &str, count: usize) {
    let mut redis = redis(url).await;
    within(async {
        loop {
            let clients: String = redis::cmd("CLIENT")
                .arg("LIST")
                .arg("TYPE")
                .arg("pubsub")
                .query_async(&mut redis)
                .await
                .expect("CLIENT LIST");
            let listening = clients
                .lines()
                .filter(|client| client.split(' ').any(|field| field == "cmd=evalsha"))
                .count();
            if listening >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// What [`held_flight`] saw: each replica's value (`"from a"` or `"from
/// b"`, after whose body produced it) and the body's runs in all.
pub struct HeldFlight<V = String> {
    pub a: V,
    pub b: V,
    pub runs: usize,
}

/// Replica `a` leads `key` with a body held open; once it started, `b`
/// calls with the same key while `meanwhile` runs, given the gate that lets
/// `a`'s body finish. The gate opens anyway once `b`'s call returned.
pub async fn held_flight<M, Fut>(
    a: &Fleet,
    b: &Fleet,
    name: &str,
    key: u32,
    meanwhile: M,
) -> HeldFlight
where
    M: FnOnce(Gate) -> Fut,
    Fut: Future<Output = ()>,
{
    let values = ["from a".to_owned(), "from b".to_owned()];
    held_flight_of(a, b, name, key, values, meanwhile).await
}

/// [`held_flight`] with the values the bodies of `a` and `b` return.
pub async fn held_flight_of<V, M, Fut>(
    a: &Fleet,
    b: &Fleet,
    name: &str,
    key: u32,
    [from_a, from_b]: [V; 2],
    meanwhile: M,
) -> HeldFlight<V>
where
    V: Clone + Send + Serialize + DeserializeOwned + 'static,
    M: FnOnce(Gate) -> Fut,
    Fut: Future<Output = ()>,
{
    let (group_a, group_b) = (Group::<u32, V>::new(), Group::<u32, V>::new());
    let runs = Counter::new();
    let (started, release) = (Gate::new(), Gate::new());
    let leader = group_a.run_fleet(a, name, key, async {
        runs.hit();
        started.open();
        release.wait().await;
        from_a
    });
    let follower = async {
        started.wait().await;
        let follower = group_b.run_fleet(b, name, key, async {
            runs.hit();
            from_b
        });
        let (value, ()) = tokio::join!(follower, meanwhile(release.clone()));
        release.open();
        value
    };
    let (a, b) = tokio::join!(leader, follower);
    HeldFlight {
        a,
        b,
        runs: runs.get(),
    }
}
