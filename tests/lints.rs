//! The expansion trips no lint: every shape of function below compiles under
//! `deny(warnings, clippy::pedantic)` (rustc here, clippy in CI).

#![deny(warnings, clippy::pedantic)]

mod support;

use std::sync::Arc;

use coalesce::{coalesce, Group};
use support::within;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub name: String,
}

static USERS: Group<u64, Option<User>> = Group::new();

/// No arguments, unit output.
#[coalesce]
pub async fn ping() {}

/// One argument, `Result` with an `Arc` error and `?`.
///
/// # Errors
///
/// When `text` is not a number.
#[coalesce]
pub async fn parse(text: &str) -> Result<u64, Arc<std::num::ParseIntError>> {
    let value = text.parse::<u64>().map_err(Arc::new)?;
    Ok(value)
}

/// An error that is not `Clone`, shared: anyhow.
///
/// # Errors
///
/// When `text` is not a number.
#[coalesce]
pub async fn parse_anyhow(text: &str) -> anyhow::Result<u64> {
    Ok(text.parse::<u64>()?)
}

/// A blocking fn over `std::io::Result`.
///
/// # Errors
///
/// When `path` cannot be read.
#[coalesce]
pub fn read(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

/// A tuple key over a borrowed struct, with a string key.
#[coalesce(key = "(user.id, region)")]
pub async fn greet(user: &User, region: &str) -> String {
    format!("{} from {region}", user.name)
}

/// A key kept out of tracing events, and one logged whatever the default.
#[coalesce(key = "token", log_key = false)]
pub async fn redeem(token: &str) -> usize {
    token.len()
}

/// A key logged whatever the default.
#[coalesce(log_key = true)]
pub async fn square(n: u64) -> u64 {
    n * n
}

/// The user's group.
#[coalesce(key = id, group = USERS)]
pub async fn find(id: u64) -> Option<User> {
    (id != 0).then(|| User {
        id,
        name: "ada".to_owned(),
    })
}

/// Generic, with `impl Trait` and a where clause.
#[coalesce(key = "id")]
pub async fn describe<T>(id: u64, label: impl Fn(u64) -> String + Send + 'static) -> (String, T)
where
    T: Default + Clone + Send + 'static,
{
    (label(id), T::default())
}

pub struct Repo {
    pub tenant: u64,
}

impl Repo {
    /// A `&self` method with the receiver in the key.
    #[must_use]
    #[coalesce(key = (self.tenant, id))]
    pub async fn get(&self, id: u64) -> u64 {
        self.tenant + id
    }

    /// `self: Arc<Self>`, default key.
    #[coalesce]
    pub async fn shared(self: Arc<Self>, id: u64) -> u64 {
        self.tenant * id
    }
}

/// A pattern argument and an `impl Trait` output.
#[coalesce]
pub async fn sum((a, b): (u64, u64)) -> impl std::fmt::Display + Clone + Send + 'static {
    a + b
}

pub trait Counter {
    /// A native `async fn` in a trait.
    fn bump(&mut self, by: u64) -> impl std::future::Future<Output = u64> + Send;
}

impl Counter for Repo {
    /// `&mut self`, in a trait impl.
    #[coalesce(key = "by")]
    async fn bump(&mut self, by: u64) -> u64 {
        self.tenant += by;
        self.tenant
    }
}

#[tokio::test]
async fn lint_clean_functions_run() {
    // Bounded, so a hang fails instead of stalling the suite.
    within(async {
        ping().await;
        assert_eq!(parse("3").await.ok(), Some(3));
        assert_eq!(parse_anyhow("4").await.ok(), Some(4));
        assert!(read("/nonexistent/coalesce").is_err());
        let user = User {
            id: 1,
            name: "ada".to_owned(),
        };
        assert_eq!(greet(&user, "eu").await, "ada from eu");
        assert_eq!(find(1).await, Some(user));
        assert_eq!(
            describe::<u8>(2, |id| id.to_string()).await,
            ("2".to_owned(), 0)
        );
        assert_eq!(sum((1, 2)).await.to_string(), "3");
        assert_eq!(redeem("secret").await, 6);
        assert_eq!(square(3).await, 9);
        let mut repo = Repo { tenant: 10 };
        assert_eq!(repo.bump(0).await, 10);
        assert_eq!(repo.get(1).await, 11);
        assert_eq!(Arc::new(repo).shared(2).await, 20);
    })
    .await;
}

/// Fleet mode: the installed fleet, a `Fleet` of the receiver, a name, and
/// a `Result` output; none is connected here, so the calls run locally.
#[cfg(feature = "fleet")]
mod fleet {
    use coalesce::{coalesce, Fleet};
    use serde::{Deserialize, Serialize};

    use super::within;

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum LookupError {
        Missing(u64),
    }

    /// The installed fleet, a `Result` output.
    ///
    /// # Errors
    ///
    /// When `id` is 0.
    #[coalesce(key = "id", fleet)]
    pub async fn lookup(id: u64) -> Result<String, LookupError> {
        if id == 0 {
            return Err(LookupError::Missing(id));
        }
        Ok(id.to_string())
    }

    /// No arguments, a name of its own.
    #[coalesce(fleet, fleet_name = "lints/count")]
    pub async fn count() -> u64 {
        7
    }

    pub struct Repo {
        pub fleet: Fleet,
    }

    impl Repo {
        /// The receiver's fleet, a borrowed key.
        #[coalesce(fleet = self.fleet)]
        pub async fn find(&self, name: &str) -> Option<String> {
            Some(name.to_owned())
        }
    }

    #[tokio::test]
    async fn lint_clean_fleet_functions_run() {
        within(async {
            assert_eq!(lookup(1).await, Ok("1".to_owned()));
            assert_eq!(lookup(0).await, Err(LookupError::Missing(0)));
            assert_eq!(count().await, 7);
        })
        .await;
        // Needs a Redis to make a `Fleet`: type-checked only.
        let _ = |repo: Repo| async move { repo.find("ada").await };
    }
}
