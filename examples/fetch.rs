//! A `#[coalesce]`d fetch helper in front of a real HTTP server (axum, on
//! 127.0.0.1, started by the example): 1,000 concurrent fetches of three URLs
//! reach the server three times, and a server error reaches every caller as
//! the same `Err`.
//!
//! `fetch` returns `anyhow::Result`, as most services do, with the request's
//! `reqwest::Error` as a cause under a context naming the URL: every caller
//! of a shared fetch finds it with `SharedError::find` (or `chain()`), to read
//! its status.
//!
//! Run it with `cargo run --release --example fetch`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use coalesce::{coalesce, SharedError};
use reqwest::Client;
use tokio::sync::watch;

/// Fetches `url`; concurrent fetches of one URL share one request, and its
/// error: `GET {url}`, caused by the `reqwest::Error`.
#[coalesce(key = "url")]
pub async fn fetch(client: &Client, url: &str) -> anyhow::Result<Bytes> {
    let get = async {
        let response = client.get(url).send().await?.error_for_status()?;
        response.bytes().await
    };
    get.await.with_context(|| format!("GET {url}"))
}

/// A slow upstream: it answers only when released, and counts its hits.
pub struct Upstream {
    pub addr: SocketAddr,
    state: Arc<UpstreamState>,
}

struct UpstreamState {
    hits: AtomicUsize,
    released: watch::Sender<bool>,
}

impl Upstream {
    /// Binds 127.0.0.1 on a free port and serves `/items/{id}` and `/broken`
    /// (HTTP 500), both once released, and `/panics` (a handler that panics).
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(UpstreamState {
            hits: AtomicUsize::new(0),
            released: watch::channel(false).0,
        });
        let app = Router::new()
            .route("/items/{id}", get(item))
            .route("/broken", get(broken))
            .route("/panics", get(panics))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, state })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    /// Lets waiting and future requests through.
    pub fn release(&self) {
        self.state.released.send_replace(true);
    }

    /// Makes requests wait again, for the next wave.
    pub fn hold(&self) {
        self.state.released.send_replace(false);
    }
}

async fn item(State(state): State<Arc<UpstreamState>>, Path(id): Path<u32>) -> String {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let mut released = state.released.subscribe();
    let _ = released.wait_for(|released| *released).await;
    format!("item {id}")
}

async fn broken(State(state): State<Arc<UpstreamState>>) -> StatusCode {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let mut released = state.released.subscribe();
    let _ = released.wait_for(|released| *released).await;
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn panics(State(state): State<Arc<UpstreamState>>) -> String {
    state.hits.fetch_add(1, Ordering::SeqCst);
    panic!("the handler failed")
}

/// Fires `calls` concurrent fetches spread over `urls`, releases the
/// upstream after `hold_for`, and returns every result.
pub async fn wave(
    client: &Client,
    upstream: &Upstream,
    urls: &[String],
    calls: usize,
    hold_for: Duration,
) -> Vec<anyhow::Result<Bytes>> {
    upstream.hold();
    let fetches: Vec<_> = (0..calls)
        .map(|call| {
            let (client, url) = (client.clone(), urls[call % urls.len()].clone());
            tokio::spawn(async move { fetch(&client, &url).await })
        })
        .collect();
    tokio::time::sleep(hold_for).await;
    upstream.release();
    let mut results = Vec::with_capacity(calls);
    for fetched in fetches {
        results.push(fetched.await.expect("no fetch panics"));
    }
    results
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let upstream = Upstream::start().await?;
    let client = Client::new();
    let urls: Vec<_> = (1..=3)
        .map(|id| upstream.url(&format!("/items/{id}")))
        .collect();

    println!("The upstream answers after 100 ms; each wave is 1,000 concurrent fetches of 3 URLs.");
    for number in 1..=2 {
        let before = upstream.hits();
        let results = wave(&client, &upstream, &urls, 1_000, Duration::from_millis(100)).await;
        let ok = results.iter().filter(|result| result.is_ok()).count();
        println!(
            "  wave {number}: {ok} fetches succeeded, the server saw {} requests",
            upstream.hits() - before
        );
    }

    let before = upstream.hits();
    let broken = [upstream.url("/broken")];
    let results = wave(&client, &upstream, &broken, 100, Duration::from_millis(100)).await;
    let errors = results
        .iter()
        .filter_map(|result| result.as_ref().err())
        .collect::<Vec<_>>();
    println!(
        "  a broken URL: {} callers got an error, the server saw {} requests",
        errors.len(),
        upstream.hits() - before
    );
    if let Some(error) = errors.first() {
        // The caller's own `anyhow::Error`, with the text and causes of the
        // one shared error; the `reqwest::Error` is a cause in its chain.
        println!("    the error:  {error:#}");
        if let Some(status) =
            SharedError::find::<reqwest::Error>(error.as_ref()).and_then(reqwest::Error::status)
        {
            println!("    its status: {status}");
        }
    }
    Ok(())
}
