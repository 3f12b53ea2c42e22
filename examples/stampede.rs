//! A burst of identical requests against a slow source, with and without a
//! `coalesce::Group` in front of it.
//!
//! Run it with `cargo run --release --example stampede`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use coalesce::Group;

/// A source that takes 50 ms per lookup and counts how often it is hit.
#[derive(Default)]
struct SlowSource {
    hits: AtomicUsize,
}

impl SlowSource {
    async fn lookup(&self, key: u32) -> Result<String, Arc<String>> {
        self.hits.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(format!("value of {key}"))
    }
}

const REQUESTS: u32 = 1_000;
const HOT_KEYS: u32 = 3;

/// Fires `REQUESTS` concurrent lookups over `HOT_KEYS` keys and reports the
/// source's hits and the wall time.
async fn burst(coalesced: bool) -> (usize, Duration) {
    let source = Arc::new(SlowSource::default());
    let group = Arc::new(Group::new());
    let started = Instant::now();
    let requests: Vec<_> = (0..REQUESTS)
        .map(|request| {
            let (source, group) = (source.clone(), group.clone());
            let key = request % HOT_KEYS;
            tokio::spawn(async move {
                if coalesced {
                    group.run(key, source.lookup(key)).await
                } else {
                    source.lookup(key).await
                }
            })
        })
        .collect();
    for request in requests {
        let value = request.await.expect("no request panics");
        assert!(value.is_ok());
    }
    (source.hits.load(Ordering::Relaxed), started.elapsed())
}

#[tokio::main]
async fn main() {
    println!("{REQUESTS} concurrent requests over {HOT_KEYS} keys, 50 ms per source lookup\n");
    println!("{:<18} {:>12} {:>10}", "", "source hits", "wall time");
    for (label, coalesced) in [("without coalesce", false), ("with coalesce", true)] {
        let (hits, elapsed) = burst(coalesced).await;
        println!("{label:<18} {hits:>12} {:>8.1?}", elapsed);
    }
}
