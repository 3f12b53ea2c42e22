//! Errors that are not `Clone`, returned as they are: `anyhow::Result`,
//! `Box<dyn Error + Send + Sync>`, `std::io::Result` and the user's own
//! error enum with a `Shared` variant. Fifty concurrent callers run one
//! execution and each gets its error with the original's text and causes; a
//! caller that ran alone gets the same shared form.

mod support;

use std::error::Error;
use std::io;
use std::sync::Barrier;

use anyhow::Context as _;
use coalesce::{coalesce, Group, SharedError};
use futures::future::join_all;
use support::{wait_until, within, Arrivals, Counter, Gate};

const CALLERS: usize = 50;

/// Runs `CALLERS` calls made by `call`, opens `gate` once every one has
/// registered, and returns their results.
async fn stampede<F, T>(gate: &Gate, call: impl Fn() -> F) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    let arrivals = Arrivals::new();
    let calls = join_all((0..CALLERS).map(|_| arrivals.track(call())));
    let release = async {
        within(arrivals.wait_for(CALLERS)).await;
        gate.open();
    };
    within(async { futures::join!(calls, release).0 }).await
}

fn missing_row() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "no row for that id")
}

#[coalesce(key = "id")]
async fn load_with_context(id: u64, gate: Gate, runs: Counter) -> anyhow::Result<String> {
    runs.hit();
    gate.wait().await;
    Err(missing_row()).with_context(|| format!("loading user {id}"))
}

#[tokio::test]
async fn anyhow_errors_reach_every_caller_with_their_text_and_causes() {
    let (gate, runs) = (Gate::new(), Counter::new());
    let results = stampede(&gate, || load_with_context(1, gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 1);
    assert_eq!(results.len(), CALLERS);
    for result in results {
        let error = result.unwrap_err();
        assert_eq!(error.to_string(), "loading user 1");
        assert_eq!(format!("{error:#}"), "loading user 1: no row for that id");
        let root = error.root_cause().downcast_ref::<io::Error>().unwrap();
        assert_eq!(root.kind(), io::ErrorKind::NotFound);
        // Shared, so every caller (the leader too) holds the one shared error.
        assert!(error.downcast_ref::<SharedError>().is_some());
    }
}

#[tokio::test]
async fn a_caller_that_ran_alone_gets_the_shared_form_too() {
    let (gate, runs) = (Gate::new(), Counter::new());
    gate.open();
    let error = within(load_with_context(2, gate, runs.clone()))
        .await
        .unwrap_err();
    assert_eq!(runs.get(), 1);
    assert!(error.downcast_ref::<SharedError>().is_some());
    assert_eq!(format!("{error:#}"), "loading user 2: no row for that id");
    let io = SharedError::find::<io::Error>(&*error).unwrap();
    assert_eq!(io.kind(), io::ErrorKind::NotFound);
}

/// With the `anyhow` feature, the original error of an `anyhow::Error` keeps
/// its type behind the shared error (without it, only its causes do).
#[cfg(feature = "anyhow")]
mod anyhow_feature {
    use super::*;

    #[coalesce(key = "id")]
    async fn load_bare(id: u64, gate: Gate, runs: Counter) -> anyhow::Result<String> {
        runs.hit();
        gate.wait().await;
        Err(missing_row())?;
        Ok(format!("user {id}"))
    }

    #[tokio::test]
    async fn the_original_type_of_a_shared_anyhow_error_is_found() {
        let (gate, runs) = (Gate::new(), Counter::new());
        let results = stampede(&gate, || load_bare(1, gate.clone(), runs.clone())).await;
        assert_eq!(runs.get(), 1);
        for result in results {
            let error = result.unwrap_err();
            assert_eq!(error.to_string(), "no row for that id");
            let shared = error.downcast_ref::<SharedError>().unwrap();
            assert_eq!(
                shared.downcast_ref::<io::Error>().unwrap().kind(),
                io::ErrorKind::NotFound
            );
            let found = SharedError::find::<io::Error>(&*error).unwrap();
            assert_eq!(found.kind(), io::ErrorKind::NotFound);
        }
    }
}

#[tokio::test]
async fn ok_values_are_cloned_for_every_caller() {
    let (gate, runs) = (Gate::new(), Counter::new());
    let results = stampede(&gate, || load_ok(3, gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 1);
    assert!(results
        .iter()
        .all(|result| result.as_ref().unwrap() == "user 3"));
}

#[coalesce(key = "id")]
async fn load_ok(id: u64, gate: Gate, runs: Counter) -> anyhow::Result<String> {
    runs.hit();
    gate.wait().await;
    Ok(format!("user {id}"))
}

/// An error that wraps its cause, as `reqwest::Error` does.
#[derive(Debug, thiserror::Error)]
#[error("upstream answered {status}")]
struct UpstreamError {
    status: u16,
    #[source]
    cause: io::Error,
}

#[coalesce(key = "path")]
async fn fetch(
    path: &str,
    gate: Gate,
    runs: Counter,
) -> Result<String, Box<dyn Error + Send + Sync>> {
    runs.hit();
    gate.wait().await;
    Err(Box::new(UpstreamError {
        status: 503,
        cause: io::Error::new(io::ErrorKind::ConnectionReset, "reset by peer"),
    }))
}

#[tokio::test]
async fn boxed_errors_reach_every_caller_with_their_source_chain() {
    let (gate, runs) = (Gate::new(), Counter::new());
    let results = stampede(&gate, || fetch("/users", gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 1);
    for result in results {
        let error = result.unwrap_err();
        assert_eq!(error.to_string(), "upstream answered 503");
        let cause = error.source().unwrap().downcast_ref::<io::Error>().unwrap();
        assert_eq!(cause.kind(), io::ErrorKind::ConnectionReset);
        let upstream = SharedError::find::<UpstreamError>(&*error).unwrap();
        assert_eq!(upstream.status, 503);
    }
}

/// The user's own error: one `Shared` variant is all it takes.
#[derive(Debug, thiserror::Error)]
enum RepoError {
    #[error("user {0} not found")]
    NotFound(u64),
    #[error("database unavailable")]
    Database(#[source] io::Error),
    #[error(transparent)]
    Shared(#[from] SharedError),
}

impl RepoError {
    /// What a handler maps to a status: sees through a shared error.
    fn is_not_found(&self) -> bool {
        match self {
            RepoError::NotFound(_) => true,
            RepoError::Shared(shared) => shared
                .downcast_ref::<RepoError>()
                .is_some_and(RepoError::is_not_found),
            RepoError::Database(_) => false,
        }
    }
}

#[coalesce(key = "id")]
async fn find_user(id: u64, gate: Gate, runs: Counter) -> Result<String, RepoError> {
    runs.hit();
    gate.wait().await;
    if id == 0 {
        return Err(RepoError::Database(io::Error::new(
            io::ErrorKind::TimedOut,
            "pool timed out",
        )));
    }
    Err(RepoError::NotFound(id))
}

#[tokio::test]
async fn the_users_error_enum_reaches_every_caller_through_its_shared_variant() {
    let (gate, runs) = (Gate::new(), Counter::new());
    let results = stampede(&gate, || find_user(7, gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 1);
    for result in results {
        let error = result.unwrap_err();
        assert!(matches!(error, RepoError::Shared(_)), "{error:?}");
        assert_eq!(error.to_string(), "user 7 not found");
        assert!(error.is_not_found());
    }
}

#[tokio::test]
async fn the_users_error_enum_keeps_its_causes() {
    let (gate, runs) = (Gate::new(), Counter::new());
    let results = stampede(&gate, || find_user(0, gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 1);
    for result in results {
        let error = result.unwrap_err();
        assert_eq!(error.to_string(), "database unavailable");
        let cause = error.source().unwrap().downcast_ref::<io::Error>().unwrap();
        assert_eq!(cause.kind(), io::ErrorKind::TimedOut);
    }
}

#[tokio::test]
async fn a_caller_that_ran_alone_gets_the_shared_variant_too() {
    let (gate, runs) = (Gate::new(), Counter::new());
    gate.open();
    let error = within(find_user(8, gate, runs)).await.unwrap_err();
    assert!(matches!(error, RepoError::Shared(_)), "{error:?}");
    assert!(error.is_not_found());
}

static CONFIGS: Group<String, Result<String, SharedError>> = Group::new();

/// A blocking fn whose body waits until `callers` calls have registered.
#[coalesce(key = "path", group = CONFIGS)]
fn read_config(path: &str, callers: u64, runs: Counter) -> io::Result<String> {
    runs.hit();
    wait_until("every caller's registration", || {
        CONFIGS.stats().calls >= callers
    });
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{path}: permission denied"),
    ))
}

/// The inner error of an `io::Error` received from a shared execution.
fn shared_inside(error: &io::Error) -> Option<&SharedError> {
    error.get_ref()?.downcast_ref()
}

#[test]
fn io_errors_keep_their_kind_across_threads() {
    const THREADS: u64 = 8;
    let (barrier, runs) = (Barrier::new(THREADS as usize), Counter::new());
    let errors: Vec<io::Error> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    read_config("app.toml", THREADS, runs.clone()).unwrap_err()
                })
            })
            .collect();
        calls.into_iter().map(|call| call.join().unwrap()).collect()
    });
    assert_eq!(runs.get(), 1);
    for error in errors {
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(error.to_string(), "app.toml: permission denied");
        assert!(shared_inside(&error).is_some());
    }
    // Alone (its registration makes the count), a caller gets the same form,
    // and `find` reaches the original inside it.
    let alone = read_config("other.toml", THREADS + 1, runs.clone()).unwrap_err();
    assert_eq!(alone.to_string(), "other.toml: permission denied");
    assert!(shared_inside(&alone).is_some());
    let original = SharedError::find::<io::Error>(&alone).unwrap();
    assert!(!std::ptr::eq(original, &alone));
    assert!(shared_inside(original).is_none());
}

#[coalesce(key = "id", detached)]
async fn load_detached(id: u64, gate: Gate) -> anyhow::Result<u64> {
    gate.wait().await;
    anyhow::bail!("no user {id}")
}

#[tokio::test]
async fn a_detached_execution_always_shares_its_error() {
    let gate = Gate::new();
    gate.open();
    let error = within(load_detached(4, gate)).await.unwrap_err();
    assert_eq!(error.to_string(), "no user 4");
    assert!(error.downcast_ref::<SharedError>().is_some());
}

#[coalesce(key = "id")]
async fn explode(id: u64, gate: Gate) -> anyhow::Result<u64> {
    gate.wait().await;
    panic!("database on fire for {id}");
}

#[tokio::test]
async fn a_panicking_body_still_panics_in_every_caller() {
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let (gate, arrivals) = (gate.clone(), arrivals.clone());
            tokio::spawn(async move { arrivals.track(explode(5, gate)).await })
        })
        .collect();
    within(arrivals.wait_for(3)).await;
    gate.open();
    for call in calls {
        let panic = within(call).await.unwrap_err().into_panic();
        let message = support::panic_text(&*panic);
        assert!(message.contains("database on fire for 5"), "{message}");
    }
}
