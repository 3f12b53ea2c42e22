//! `examples/repository.rs`: lookups queued behind a lock query SQLite once
//! per distinct key, and a locked database or a removed database file fails
//! every waiting caller with the same error, after which the next wave works
//! again.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;

use coalesce::SharedError;

use crate::repository::{release, RepoError, TempDatabase, UserRepo};
use crate::support::{within, Arrivals};
use crate::OneExecution;

/// Each caller holds its own `RepoError::Shared` around the one shared error.
impl OneExecution for RepoError {
    fn same_execution(&self, other: &Self) -> bool {
        crate::same_shared(shared(self), shared(other))
    }
}

fn shared(error: &RepoError) -> Option<&SharedError> {
    match error {
        RepoError::Shared(shared) => Some(shared),
        RepoError::Database(_) => None,
    }
}

async fn seeded(name: &str, busy_timeout: Duration) -> (TempDatabase, Arc<UserRepo>) {
    let database = TempDatabase::new(name);
    within(database.create_and_seed()).await.unwrap();
    let repo = Arc::new(UserRepo::new(database.pool(busy_timeout)));
    (database, repo)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_lookups_behind_a_write_lock_run_one_query_per_key() {
    let (database, repo) = seeded("claims-hot", Duration::from_secs(30)).await;
    for wave in 1..=2 {
        let writer = within(database.lock_exclusively()).await.unwrap();
        let arrivals = Arrivals::new();
        let lookups: Vec<_> = (0..500_i64)
            .map(|call| {
                let (repo, arrivals) = (repo.clone(), arrivals.clone());
                tokio::spawn(async move {
                    if call % 5 == 0 {
                        let email = format!("user{}@example.com", 10 + call % 2);
                        arrivals.track(repo.find_by_email(&email)).await
                    } else {
                        arrivals.track(repo.find_user(20 + call % 3)).await
                    }
                })
            })
            .collect();
        within(arrivals.wait_for(500)).await;
        within(release(writer)).await.unwrap();

        for (call, lookup) in (0..500_i64).zip(lookups) {
            let user = within(lookup)
                .await
                .unwrap()
                .unwrap()
                .expect("the user exists");
            let expected = if call % 5 == 0 {
                10 + call % 2
            } else {
                20 + call % 3
            };
            assert_eq!(user.id, expected);
            assert_eq!(user.email, format!("user{expected}@example.com"));
        }
        assert_eq!(repo.queries(), 5 * wave, "3 ids and 2 emails per wave");
    }
}

#[tokio::test]
async fn a_locked_database_fails_every_waiting_caller_with_one_error() {
    let (database, repo) = seeded("claims-locked", Duration::from_millis(50)).await;
    let writer = within(database.lock_exclusively()).await.unwrap();
    // Joined in one task: every lookup registers on the first poll, before
    // the query can time out.
    let results = within(join_all((0..50).map(|_| repo.find_user(30)))).await;
    let error = crate::assert_one_shared_error(&results);
    assert!(error.to_string().contains("locked"), "{error}");
    // Every caller can tell, though it holds `Shared`, not `Database`.
    assert!(results
        .iter()
        .all(|result| result.as_ref().unwrap_err().is_busy()));
    assert_eq!(repo.queries(), 1);

    within(release(writer)).await.unwrap();
    let results = within(join_all((0..50).map(|_| repo.find_user(30)))).await;
    assert!(results
        .iter()
        .all(|user| user.as_ref().unwrap().as_ref().unwrap().id == 30));
    assert_eq!(repo.queries(), 2);
}

#[tokio::test]
async fn a_removed_database_file_fails_every_caller_then_recovers() {
    let database = TempDatabase::new("claims-missing");
    within(database.create_and_seed()).await.unwrap();
    let pool = database.pool(Duration::from_secs(5));
    let repo = UserRepo::new(pool.clone());
    // Every connection of the pool checked out, then the file removed: the
    // first lookup waits for a connection until every lookup has registered
    // (a missing file can fail a fresh connection within its first poll).
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(within(pool.acquire()).await.unwrap());
    }
    std::fs::remove_file(&database.path).unwrap();
    let arrivals = Arrivals::new();
    let lookups =
        join_all((0..50).map(|_| arrivals.track(repo.find_by_email("user40@example.com"))));
    let release = async {
        within(arrivals.wait_for(50)).await;
        // Closed, not returned: the pool opens a new one, on no file.
        for connection in held {
            within(connection.close()).await.unwrap();
        }
    };
    let results = within(async { futures::join!(lookups, release).0 }).await;
    let error = crate::assert_one_shared_error(&results);
    assert!(error.to_string().contains("unable to open"), "{error}");
    assert!(
        matches!(error.database(), Some(sqlx::Error::Database(_))),
        "{error:?}"
    );
    assert!(!error.is_busy(), "{error:?}");
    assert_eq!(repo.queries(), 1);

    within(database.create_and_seed()).await.unwrap();
    let results = within(join_all(
        (0..50).map(|_| repo.find_by_email("user40@example.com")),
    ))
    .await;
    assert!(results
        .iter()
        .all(|user| user.as_ref().unwrap().as_ref().unwrap().id == 40));
    assert_eq!(repo.queries(), 2);
}
