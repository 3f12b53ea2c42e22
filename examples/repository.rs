//! A user repository over SQLite (sqlx with bundled SQLite: nothing to
//! install), with `#[coalesce]` on its lookups.
//!
//! The scene: a writer holds the database for 50 ms, and 500 lookups of a few
//! hot users pile up behind it. Without coalescing each one would query
//! SQLite when the lock goes; with it, each distinct lookup queries once.
//!
//! Then a writer holds the database longer than the lookups will wait: the
//! lookups of one user fail together, with the error of their one query, and
//! each caller can still tell that it was a busy database (worth a retry).
//!
//! The lookups return the repository's own error type, `RepoError`, which
//! wraps `sqlx::Error` and is not `Clone`: its one extra variant,
//! `Shared(#[from] coalesce::SharedError)`, is how every caller of a shared
//! lookup receives the error.
//!
//! Run it with `cargo run --release --example repository`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use coalesce::{coalesce, SharedError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection as _, Row as _, SqliteConnection};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// What the repository fails with.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The error of a lookup shared with other callers: its text and causes
    /// are the original's, and [`SharedError::downcast_ref`] reaches it.
    #[error(transparent)]
    Shared(#[from] SharedError),
}

impl RepoError {
    /// The database's error behind this one: every caller of a coalesced
    /// lookup (the first one too, and one that ran alone) holds `Shared`, not
    /// `Database`, so matching on `Database` alone would miss it.
    pub fn database(&self) -> Option<&sqlx::Error> {
        match self {
            Self::Database(error) => Some(error),
            Self::Shared(shared) => shared.downcast_ref::<Self>()?.database(),
        }
    }

    /// Whether SQLite stayed locked past the busy timeout (`SQLITE_BUSY`):
    /// worth a retry, unlike a broken query.
    pub fn is_busy(&self) -> bool {
        self.database()
            .and_then(sqlx::Error::as_database_error)
            .and_then(|error| error.code())
            .is_some_and(|code| code == "5")
    }
}

pub struct UserRepo {
    pool: SqlitePool,
    queries: AtomicUsize,
}

impl UserRepo {
    pub fn new(pool: SqlitePool) -> Self {
        Self {
            pool,
            queries: AtomicUsize::new(0),
        }
    }

    /// Queries that reached SQLite so far.
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }

    /// The key is the id alone: repositories over different pools would
    /// share a lookup (say `key = (self.tenant, id)` to keep them apart).
    #[coalesce(key = "id")]
    pub async fn find_user(&self, id: i64) -> Result<Option<User>, RepoError> {
        let row = sqlx::query("select id, name, email from users where id = ?")
            .bind(id)
            .fetch_optional(self.database())
            .await?;
        Ok(row.map(|row| user_from(&row)))
    }

    /// `&str` keys become owned `String`s; the body still sees the `&str`.
    #[coalesce(key = "email")]
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>, RepoError> {
        let row = sqlx::query("select id, name, email from users where email = ?")
            .bind(email)
            .fetch_optional(self.database())
            .await?;
        Ok(row.map(|row| user_from(&row)))
    }

    /// The boundary: every query to SQLite goes through here and is counted.
    fn database(&self) -> &SqlitePool {
        self.queries.fetch_add(1, Ordering::SeqCst);
        &self.pool
    }
}

fn user_from(row: &sqlx::sqlite::SqliteRow) -> User {
    User {
        id: row.get("id"),
        name: row.get("name"),
        email: row.get("email"),
    }
}

/// A database file in the temporary directory, removed when dropped.
pub struct TempDatabase {
    pub path: PathBuf,
}

impl TempDatabase {
    /// A fresh path; the file does not exist until something creates it.
    pub fn new(name: &str) -> Self {
        static CREATED: AtomicUsize = AtomicUsize::new(0);
        let number = CREATED.fetch_add(1, Ordering::SeqCst);
        let file = format!("coalesce-{name}-{}-{number}.db", std::process::id());
        Self {
            path: std::env::temp_dir().join(file),
        }
    }

    fn options(&self) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(&self.path)
            // Rollback journal: a writer's exclusive lock holds readers back.
            .journal_mode(SqliteJournalMode::Delete)
    }

    /// Creates the file with a `users` table of 100 users.
    pub async fn create_and_seed(&self) -> Result<(), sqlx::Error> {
        let mut connection =
            SqliteConnection::connect_with(&self.options().create_if_missing(true)).await?;
        sqlx::query("create table users (id integer primary key, name text not null, email text not null unique)")
            .execute(&mut connection)
            .await?;
        for id in 1..=100_i64 {
            sqlx::query("insert into users (id, name, email) values (?, ?, ?)")
                .bind(id)
                .bind(format!("user {id}"))
                .bind(format!("user{id}@example.com"))
                .execute(&mut connection)
                .await?;
        }
        connection.close().await
    }

    /// A pool that connects on first use and waits up to `busy_timeout` for
    /// a lock. It does not create the file.
    pub fn pool(&self, busy_timeout: Duration) -> SqlitePool {
        SqlitePoolOptions::new()
            .max_connections(4)
            .connect_lazy_with(self.options().busy_timeout(busy_timeout))
    }

    /// A connection that holds the whole database until it is dropped or
    /// the returned transaction ends: readers wait behind it.
    pub async fn lock_exclusively(&self) -> Result<SqliteConnection, sqlx::Error> {
        let mut writer = SqliteConnection::connect_with(&self.options()).await?;
        sqlx::query("begin exclusive").execute(&mut writer).await?;
        Ok(writer)
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(Path::new(&path));
        }
    }
}

/// Ends the writer's transaction, letting the readers in.
pub async fn release(mut writer: SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query("commit").execute(&mut writer).await?;
    writer.close().await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let database = TempDatabase::new("repository-example");
    database.create_and_seed().await?;
    let repo = Arc::new(UserRepo::new(database.pool(Duration::from_secs(5))));

    let writer = database.lock_exclusively().await?;
    let lookups: Vec<_> = (0..500_i64)
        .map(|call| {
            let repo = repo.clone();
            tokio::spawn(async move {
                if call % 5 == 0 {
                    let email = format!("user{}@example.com", call % 2 + 1);
                    repo.find_by_email(&email).await
                } else {
                    repo.find_user(call % 3 + 1).await
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    release(writer).await?;

    let mut found = 0;
    for lookup in lookups {
        found += usize::from(lookup.await.expect("no lookup panics")?.is_some());
    }
    println!("500 lookups of 3 hot ids and 2 hot emails, queued behind a 50 ms write lock:");
    println!("  users found:             {found}");
    println!("  queries that hit SQLite: {}", repo.queries());

    // Lookups that give up after 50 ms, behind a writer that stays until
    // they have.
    let impatient = Arc::new(UserRepo::new(database.pool(Duration::from_millis(50))));
    let writer = database.lock_exclusively().await?;
    let lookups: Vec<_> = (0..100)
        .map(|_| {
            let repo = impatient.clone();
            tokio::spawn(async move { repo.find_user(7).await })
        })
        .collect();
    let mut errors = Vec::new();
    for lookup in lookups {
        errors.extend(lookup.await.expect("no lookup panics").err());
    }
    release(writer).await?;
    let busy = errors.iter().filter(|error| error.is_busy()).count();
    println!("100 lookups of one user behind a write lock held past their 50 ms busy timeout:");
    println!("  lookups that failed:     {}", errors.len());
    if let Some(error) = errors.first() {
        println!("  the error they got:      {error}");
    }
    println!("  busy, worth a retry:     {busy}");
    println!("  queries that hit SQLite: {}", impatient.queries());
    Ok(())
}
