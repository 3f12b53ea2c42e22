//! `examples/fetch.rs`: concurrent fetches reach the server once per URL per
//! wave, and every failure mode (HTTP 500, refused connection, client
//! timeout, a panicking handler) reaches every caller as one shared error,
//! after which the next wave works again.

use std::time::Duration;

use bytes::Bytes;
use coalesce::SharedError;
use futures::future::join_all;
use reqwest::Client;

use crate::fetch::{fetch, Upstream};
use crate::support::{within, Arrivals};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_fetches_of_three_urls_hit_the_server_three_times_per_wave() {
    let upstream = within(Upstream::start()).await.unwrap();
    let client = Client::new();
    let urls: Vec<_> = (1..=3)
        .map(|id| upstream.url(&format!("/items/{id}")))
        .collect();
    for wave in 1..=2 {
        upstream.hold();
        let arrivals = Arrivals::new();
        let fetches: Vec<_> = (0..1_000)
            .map(|call| {
                let (client, url, arrivals) =
                    (client.clone(), urls[call % 3].clone(), arrivals.clone());
                tokio::spawn(async move { arrivals.track(fetch(&client, &url)).await })
            })
            .collect();
        within(arrivals.wait_for(1_000)).await;
        upstream.release();
        for (call, fetched) in fetches.into_iter().enumerate() {
            let body = within(fetched).await.unwrap().unwrap();
            assert_eq!(body, format!("item {}", call % 3 + 1));
        }
        assert_eq!(upstream.hits(), 3 * wave);
    }
}

/// One wave of `calls` fetches of `url`, joined in one task so that every
/// fetch registers before the first one can finish.
async fn joined_wave(client: &Client, url: &str, calls: usize) -> Vec<anyhow::Result<Bytes>> {
    within(join_all((0..calls).map(|_| fetch(client, url)))).await
}

/// Every caller of a failing wave of fetches of `url` got the one shared
/// error, `GET {url}`, whose chain holds a `reqwest::Error` (found with or
/// without the `anyhow` feature): the same one for every caller. Returns it.
fn one_reqwest_error<'a>(results: &'a [anyhow::Result<Bytes>], url: &str) -> &'a reqwest::Error {
    let error = crate::assert_one_shared_error(results);
    assert_eq!(error.to_string(), format!("GET {url}"));
    let found = SharedError::find::<reqwest::Error>(error.as_ref())
        .unwrap_or_else(|| panic!("no reqwest::Error in {error:?}"));
    for result in results {
        let error = result.as_ref().unwrap_err();
        let in_chain = error
            .chain()
            .find_map(|cause| cause.downcast_ref::<reqwest::Error>());
        for other in [
            SharedError::find::<reqwest::Error>(error.as_ref()),
            in_chain,
        ] {
            assert!(
                other.is_some_and(|other| std::ptr::eq(other, found)),
                "{error:?} holds another reqwest::Error"
            );
        }
        let chain = format!("{error:#}");
        assert!(chain.starts_with(&format!("GET {url}: {found}")), "{chain}");
    }
    found
}

#[tokio::test]
async fn a_server_error_reaches_every_caller_as_one_error() {
    let upstream = within(Upstream::start()).await.unwrap();
    upstream.release();
    let client = Client::new();
    let url = upstream.url("/broken");
    let results = joined_wave(&client, &url, 100).await;
    let error = one_reqwest_error(&results, &url);
    assert_eq!(
        error.status(),
        Some(reqwest::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(upstream.hits(), 1);

    let results = joined_wave(&client, &upstream.url("/items/7"), 100).await;
    assert!(results
        .iter()
        .all(|body| body.as_deref().ok() == Some(&b"item 7"[..])));
    assert_eq!(upstream.hits(), 2);
}

#[tokio::test]
async fn a_refused_connection_reaches_every_caller_as_one_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/items/1", closed.local_addr().unwrap());
    drop(closed);
    let results = joined_wave(&Client::new(), &url, 100).await;
    let error = one_reqwest_error(&results, &url);
    assert!(error.is_connect(), "{error}");
}

#[tokio::test]
async fn a_client_timeout_reaches_every_caller_then_the_next_wave_works() {
    let upstream = within(Upstream::start()).await.unwrap();
    let client = Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let url = upstream.url("/items/8");
    // Held: the upstream never answers before the client gives up.
    let results = joined_wave(&client, &url, 100).await;
    let error = one_reqwest_error(&results, &url);
    assert!(error.is_timeout(), "{error}");
    assert_eq!(upstream.hits(), 1);

    upstream.release();
    let results = joined_wave(&client, &url, 100).await;
    assert!(results
        .iter()
        .all(|body| body.as_deref().ok() == Some(&b"item 8"[..])));
    assert_eq!(upstream.hits(), 2);
}

#[tokio::test]
async fn a_panicking_handler_reaches_every_caller_as_one_error() {
    let upstream = within(Upstream::start()).await.unwrap();
    upstream.release();
    let client = Client::new();
    let url = upstream.url("/panics");
    let results = joined_wave(&client, &url, 100).await;
    one_reqwest_error(&results, &url);
    assert_eq!(upstream.hits(), 1);

    let results = joined_wave(&client, &upstream.url("/items/9"), 100).await;
    assert!(results
        .iter()
        .all(|body| body.as_deref().ok() == Some(&b"item 9"[..])));
}
