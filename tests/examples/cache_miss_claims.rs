//! `examples/cache_miss.rs`: a burst of misses reaches the source once per
//! key, the cache absorbs what follows, and errors are shared, not cached.

use std::sync::Arc;
use std::time::Duration;

use crate::cache_miss::{Service, Source};
use crate::support::{within, Arrivals};

/// Reads `keys` concurrently from spawned tasks, with the source down until
/// every read has registered; returns the results in order.
async fn burst_behind_a_closed_source(
    service: &Arc<Service>,
    source: &Source,
    keys: &[&'static str],
    coalesced: bool,
) -> Vec<Result<String, Arc<crate::cache_miss::SourceError>>> {
    let arrivals = Arrivals::new();
    let reads: Vec<_> = keys
        .iter()
        .map(|&key| {
            let (service, arrivals) = (service.clone(), arrivals.clone());
            tokio::spawn(async move {
                if coalesced {
                    arrivals.track(service.get_value(key)).await
                } else {
                    arrivals.track(service.get_value_uncoalesced(key)).await
                }
            })
        })
        .collect();
    within(arrivals.wait_for(keys.len())).await;
    source.add_connections(10);
    let mut results = Vec::new();
    for read in reads {
        results.push(within(read).await.unwrap());
    }
    source.remove_connections(10);
    results
}

fn closed_service() -> (Arc<Source>, Arc<Service>) {
    let source = Arc::new(Source::new(Duration::ZERO, 0));
    let service = Arc::new(Service::new(source.clone()));
    (source, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_misses_on_one_key_reach_the_source_once() {
    let (source, service) = closed_service();
    let keys = vec!["cache-test:hot"; 1_000];
    let results = burst_behind_a_closed_source(&service, &source, &keys, true).await;
    assert!(results
        .iter()
        .all(|value| value.as_deref().ok() == Some("value of cache-test:hot")));
    assert_eq!(source.calls(), 1);

    // The value is cached now: the next burst never reaches the source.
    let results = burst_behind_a_closed_source(&service, &source, &keys, true).await;
    assert_eq!(results.len(), 1_000);
    assert_eq!(source.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_coalescing_every_miss_reaches_the_source() {
    let (source, service) = closed_service();
    let keys = vec!["cache-test:uncoalesced"; 1_000];
    let results = burst_behind_a_closed_source(&service, &source, &keys, false).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(source.calls(), 1_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mix_of_keys_reaches_the_source_once_per_key() {
    let (source, service) = closed_service();
    let hot = [
        "cache-test:a",
        "cache-test:b",
        "cache-test:c",
        "cache-test:d",
    ];
    let keys: Vec<_> = (0..1_000).map(|read| hot[read % hot.len()]).collect();
    let results = burst_behind_a_closed_source(&service, &source, &keys, true).await;
    for (key, value) in keys.iter().zip(&results) {
        assert_eq!(value.as_deref().unwrap(), format!("value of {key}"));
    }
    assert_eq!(source.calls(), hot.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_reaches_every_caller_and_is_not_cached() {
    let (source, service) = closed_service();
    let keys = vec!["missing:cache-test"; 200];
    let results = burst_behind_a_closed_source(&service, &source, &keys, true).await;
    let error = crate::assert_one_shared_error(&results);
    assert_eq!(error.0, "no value for missing:cache-test");
    assert_eq!(source.calls(), 1);

    let results = burst_behind_a_closed_source(&service, &source, &keys, true).await;
    crate::assert_one_shared_error(&results);
    assert_eq!(source.calls(), 2, "the next wave asks the source again");
}
