//! The "cache miss relief buffer" from promise-coalesce, in Rust: a moka cache
//! in front of a slow source, and a `#[coalesce]`d loader between the two, so
//! a burst of requests that all miss the cache reaches the source once per key.
//!
//! Run it with `cargo run --release --example cache_miss`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use coalesce::coalesce;
use moka::future::Cache;
use tokio::sync::Semaphore;

/// What the source fails with. Shared with every waiting caller, hence `Arc`.
#[derive(Debug)]
pub struct SourceError(pub String);

/// The system of record: it serves a few lookups at a time (think of a
/// connection pool), each one slow, and counts every lookup that reaches it.
pub struct Source {
    latency: Duration,
    connections: Semaphore,
    calls: AtomicUsize,
}

impl Source {
    pub fn new(latency: Duration, connections: usize) -> Self {
        Self {
            latency,
            connections: Semaphore::new(connections),
            calls: AtomicUsize::new(0),
        }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Lets `count` more lookups run at once (a source built with none is
    /// down until this is called).
    pub fn add_connections(&self, count: usize) {
        self.connections.add_permits(count);
    }

    /// Takes away up to `count` idle connections (all of them: the source is down).
    pub fn remove_connections(&self, count: usize) {
        self.connections.forget_permits(count);
    }

    async fn fetch(&self, key: &str) -> Result<String, Arc<SourceError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _connection = self.connections.acquire().await.expect("never closed");
        tokio::time::sleep(self.latency).await;
        if key.starts_with("missing") {
            return Err(Arc::new(SourceError(format!("no value for {key}"))));
        }
        Ok(format!("value of {key}"))
    }
}

/// A cache-aside service: look in the cache, load from the source on a miss.
pub struct Service {
    cache: Cache<String, String>,
    source: Arc<Source>,
}

impl Service {
    pub fn new(source: Arc<Source>) -> Self {
        Self {
            cache: Cache::builder()
                .time_to_live(Duration::from_secs(60))
                .build(),
            source,
        }
    }

    /// The read path: every request calls this.
    pub async fn get_value(&self, key: &str) -> Result<String, Arc<SourceError>> {
        if let Some(value) = self.cache.get(key).await {
            return Ok(value);
        }
        self.load(key).await
    }

    /// The same read path, but every miss goes to the source on its own.
    pub async fn get_value_uncoalesced(&self, key: &str) -> Result<String, Arc<SourceError>> {
        if let Some(value) = self.cache.get(key).await {
            return Ok(value);
        }
        self.load_uncoalesced(key).await
    }

    /// Concurrent misses for one key share a single source call. The key is
    /// the cache key only: every `Service` shares flights for equal keys.
    #[coalesce(key = "key")]
    async fn load(&self, key: &str) -> Result<String, Arc<SourceError>> {
        self.load_uncoalesced(key).await
    }

    async fn load_uncoalesced(&self, key: &str) -> Result<String, Arc<SourceError>> {
        let value = self.source.fetch(key).await?;
        self.cache.insert(key.to_owned(), value.clone()).await;
        Ok(value)
    }
}

/// What one burst cost: source calls and wall time.
pub struct Burst {
    pub source_calls: usize,
    pub elapsed: Duration,
}

/// Sends `requests` concurrent reads, spread over `keys`, to a cold cache.
pub async fn burst(requests: usize, keys: &[&str], coalesced: bool) -> Burst {
    let source = Arc::new(Source::new(Duration::from_millis(10), 10));
    let service = Arc::new(Service::new(source.clone()));
    let started = Instant::now();
    let reads: Vec<_> = (0..requests)
        .map(|request| {
            let service = service.clone();
            let key = keys[request % keys.len()].to_owned();
            tokio::spawn(async move {
                if coalesced {
                    service.get_value(&key).await
                } else {
                    service.get_value_uncoalesced(&key).await
                }
            })
        })
        .collect();
    for read in reads {
        read.await
            .expect("no read panics")
            .expect("every key has a value");
    }
    Burst {
        source_calls: source.calls(),
        elapsed: started.elapsed(),
    }
}

#[tokio::main]
async fn main() {
    const REQUESTS: usize = 1_000;
    let one_key = ["user:42"];
    let ten_keys = [
        "user:1", "user:2", "user:3", "user:4", "user:5", "user:6", "user:7", "user:8", "user:9",
        "user:10",
    ];
    println!("{REQUESTS} concurrent reads on a cold cache, in front of a source that serves");
    println!("10 lookups at a time, 10 ms each\n");
    println!("{:<22} {:>18} {:>18}", "", "source calls", "wall time");
    println!(
        "{:<22} {:>9}{:>9} {:>9}{:>9}",
        "workload", "without", "with", "without", "with"
    );
    for (workload, keys) in [("one hot key", &one_key[..]), ("ten keys", &ten_keys[..])] {
        let without = burst(REQUESTS, keys, false).await;
        let with = burst(REQUESTS, keys, true).await;
        println!(
            "{workload:<22} {:>9}{:>9} {:>7}ms{:>7}ms",
            without.source_calls,
            with.source_calls,
            without.elapsed.as_millis(),
            with.elapsed.as_millis()
        );
    }
    // One row per `#[coalesce]` function: what coalescing saved.
    println!("\ncoalesce::stats()\n{}", coalesce::stats_table());
}
