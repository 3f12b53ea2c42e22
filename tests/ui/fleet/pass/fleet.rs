//! `fleet` in every form: the installed fleet, `fleet = EXPR` of a method's
//! receiver, `fleet_name`, generics, an `#[async_trait]` impl, a user group,
//! `detached`, and outputs that are `Result`s, with errors that travel whole
//! or as their text. No fleet is installed here:
//! the calls coalesce within the process.

use std::sync::Arc;

use coalesce::{coalesce, Fleet, Group};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Report {
    id: u64,
    lines: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum ReportError {
    NotFound(u64),
}

#[coalesce(key = "id", fleet)]
async fn report(id: u64) -> Report {
    Report { id, lines: vec![] }
}

#[coalesce(key = "id", fleet, fleet_name = "reports/find/v2")]
async fn find(id: u64) -> Result<Report, ReportError> {
    if id == 0 {
        return Err(ReportError::NotFound(id));
    }
    Ok(Report { id, lines: vec!["a".to_owned()] })
}

#[coalesce(fleet)]
async fn by_name(name: &str, tags: &[String]) -> Option<String> {
    Some(format!("{name}{}", tags.len()))
}

#[coalesce(key = "id", fleet)]
async fn decode<T>(id: u64) -> Option<T>
where
    T: Clone + Send + Serialize + DeserializeOwned + 'static,
{
    let _ = id;
    None
}

struct Repo {
    fleet: Fleet,
    tenant: u32,
}

impl Repo {
    #[coalesce(key = (self.tenant, id), fleet = self.fleet)]
    async fn find(&self, id: u64) -> Option<String> {
        Some(format!("{}/{id}", self.tenant))
    }

    #[coalesce(key = "id", fleet = "self.fleet", fleet_name = "repo/owned")]
    async fn owned(self: Arc<Self>, id: u64) -> u64 {
        id + u64::from(self.tenant)
    }

    #[coalesce(key = "id", fleet = &self.fleet, detached)]
    async fn detached(self: Arc<Self>, id: u64) -> u64 {
        id
    }
}

fn pick(repo: &Repo) -> &Fleet {
    &repo.fleet
}

#[coalesce(key = "id", fleet = pick(repo))]
async fn through_a_fn(repo: &Repo, id: u64) -> u64 {
    let _ = repo;
    id
}

#[async_trait::async_trait]
trait Lookup {
    async fn lookup(&self, id: u64) -> Option<u64>;
}

#[async_trait::async_trait]
impl Lookup for Repo {
    #[coalesce(key = "id", fleet = self.fleet)]
    async fn lookup(&self, id: u64) -> Option<u64> {
        Some(id)
    }
}

static PAGES: Group<u32, Vec<u8>> = Group::new();

#[coalesce(fleet, group = PAGES)]
async fn page(number: u32) -> Vec<u8> {
    vec![number as u8]
}

#[coalesce(key = "id", fleet, detached)]
async fn detached(id: u64) -> String {
    id.to_string()
}

// Errors that are not `Serialize` travel as their text when they are shared.
#[coalesce(key = "id", fleet)]
async fn anyhow_error(id: u64) -> anyhow::Result<Report> {
    anyhow::ensure!(id != 0, "no report 0");
    Ok(Report { id, lines: vec![] })
}

#[derive(Debug, thiserror::Error)]
enum StoreError {
    #[error("disk full")]
    Full,
    #[error(transparent)]
    Shared(#[from] coalesce::SharedError),
}

#[coalesce(key = "id", fleet)]
async fn enum_error(id: u64) -> Result<u64, StoreError> {
    if id == 0 {
        return Err(StoreError::Full);
    }
    Ok(id)
}

fn assert_send<F: std::future::Future + Send>(fut: F) -> F {
    fut
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(report(1).await, Report { id: 1, lines: vec![] });
        assert_eq!(find(0).await, Err(ReportError::NotFound(0)));
        assert_eq!(by_name("a", &[]).await.as_deref(), Some("a0"));
        assert_eq!(decode::<Report>(1).await, None);
        assert_eq!(page(3).await, [3]);
        assert_eq!(assert_send(detached(4)).await, "4");
        assert_eq!(anyhow_error(0).await.unwrap_err().to_string(), "no report 0");
        assert_eq!(assert_send(enum_error(0)).await.unwrap_err().to_string(), "disk full");
    });
    // `Fleet` values need a Redis: only type-checked here.
    let _ = |repo: Arc<Repo>| async move {
        let _ = assert_send(repo.find(1)).await;
        let _ = through_a_fn(&repo, 1).await;
        let _ = repo.lookup(1).await;
        let _ = assert_send(Arc::clone(&repo).detached(1)).await;
        repo.owned(1).await
    };
}
