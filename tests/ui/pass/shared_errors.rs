// Natural error types, kept as they are: each of these compiles and
// coalesces, every caller receiving the declared type.
use std::error::Error;
use std::sync::Arc;

use coalesce::{coalesce, Group, SharedError};

#[derive(Debug, thiserror::Error)]
enum RepoError {
    #[error("user {0} not found")]
    NotFound(u64),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Shared(#[from] SharedError),
}

struct Repo {
    name: String,
}

impl Repo {
    #[coalesce(key = "id")]
    async fn find(&self, id: u64) -> Result<String, RepoError> {
        if id == 0 {
            return Err(RepoError::NotFound(id));
        }
        std::fs::metadata(&self.name)?;
        Ok(self.name.clone())
    }

    #[coalesce(key = "id", detached)]
    async fn find_detached(self: Arc<Self>, id: u64) -> anyhow::Result<String> {
        anyhow::ensure!(id > 0, "no user {id}");
        Ok(self.name.clone())
    }
}

#[coalesce(key = "url")]
async fn fetch(url: &str) -> anyhow::Result<Vec<u8>> {
    Ok(url.as_bytes().to_vec())
}

#[coalesce(key = "url")]
async fn fetch_boxed(url: &str) -> Result<Vec<u8>, Box<dyn Error + Send + Sync>> {
    Ok(url.as_bytes().to_vec())
}

#[coalesce(key = "path")]
fn read(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

#[coalesce(key = "path")]
fn read_anyhow(path: &str) -> anyhow::Result<String> {
    Ok(std::fs::read_to_string(path)?)
}

static PROFILES: Group<u64, Result<String, SharedError>> = Group::new();

#[coalesce(key = "id", group = PROFILES)]
async fn profile(id: u64) -> anyhow::Result<String> {
    Ok(id.to_string())
}

#[coalesce(key = "id")]
async fn generic<T: Clone + Default + Send + 'static>(id: u64) -> anyhow::Result<T> {
    let _ = id;
    Ok(T::default())
}

#[async_trait::async_trait]
trait Users {
    async fn user(&self, id: u64) -> anyhow::Result<String>;
}

#[async_trait::async_trait]
impl Users for Repo {
    #[coalesce(key = "id")]
    async fn user(&self, id: u64) -> anyhow::Result<String> {
        Ok(format!("{} {id}", self.name))
    }
}

fn assert_send<F: std::future::Future + Send>(_: F) {}

fn main() {
    let repo = Repo { name: "users".to_owned() };
    assert_send(repo.find(1));
    assert_send(fetch("/"));
    assert_send(fetch_boxed("/"));
    assert_send(profile(1));
    assert_send(generic::<String>(1));
    assert_send(Arc::new(Repo { name: String::new() }).find_detached(1));
    let _: std::io::Result<String> = read("/nonexistent");
    let _: anyhow::Result<String> = read_anyhow("/nonexistent");
}
