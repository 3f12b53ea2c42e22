//! `#[coalesce]` on a method of an `#[async_trait]` impl: calls through
//! `Arc<dyn Trait>` and through the concrete type share one execution.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use coalesce::coalesce;
use support::{within, Arrivals, Gate};

#[async_trait]
trait UserRepo: Send + Sync {
    async fn find(&self, id: u64) -> Option<String>;

    async fn find_in_tenant(&self, id: u64) -> Result<String, Arc<std::io::Error>>;
}

struct PgRepo {
    tenant: u32,
    queries: AtomicUsize,
    gate: Gate,
}

#[async_trait]
impl UserRepo for PgRepo {
    #[coalesce(key = "id")]
    async fn find(&self, id: u64) -> Option<String> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        self.gate.wait().await;
        Some(format!("user {id}"))
    }

    /// The key names a field of `self`; `?` converts the error as before.
    #[coalesce(key = "(self.tenant, id)")]
    async fn find_in_tenant(&self, id: u64) -> Result<String, Arc<std::io::Error>> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        self.gate.wait().await;
        if id == 0 {
            Err(std::io::Error::other("no user 0"))?;
        }
        Ok(format!("user {id} of tenant {}", self.tenant))
    }
}

fn repo(tenant: u32) -> Arc<PgRepo> {
    Arc::new(PgRepo {
        tenant,
        queries: AtomicUsize::new(0),
        gate: Gate::new(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_calls_through_dyn_and_the_concrete_type_run_one_query() {
    let concrete = repo(1);
    let shared: Arc<dyn UserRepo> = concrete.clone();
    let arrivals = Arrivals::new();
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let (concrete, shared, arrivals) = (concrete.clone(), shared.clone(), arrivals.clone());
            tokio::spawn(async move {
                if i % 2 == 0 {
                    arrivals.track(shared.find(7)).await
                } else {
                    arrivals.track(concrete.find(7)).await
                }
            })
        })
        .collect();
    within(arrivals.wait_for(100)).await;
    concrete.gate.open();
    for call in calls {
        assert_eq!(within(call).await.unwrap().as_deref(), Some("user 7"));
    }
    assert_eq!(concrete.queries.load(Ordering::SeqCst), 1);
    let row = coalesce::stats().into_iter().find(|(name, _)| {
        *name == "<attr_async_trait::PgRepo as attr_async_trait::UserRepo>::find"
    });
    let (_, stats) = row.expect("listed under the trait impl's name");
    assert_eq!((stats.calls, stats.executions, stats.joined), (100, 1, 99));
}

#[tokio::test]
async fn a_key_over_self_and_errors_keep_working() {
    let (first, second) = (repo(1), repo(2));
    let (a, b, c) = (first.clone(), first.clone(), second.clone());
    let calls = async {
        tokio::join!(
            a.find_in_tenant(3),
            b.find_in_tenant(3),
            c.find_in_tenant(3),
        )
    };
    let open = async {
        support::yield_once().await;
        first.gate.open();
        second.gate.open();
    };
    let ((a, b, c), ()) = within(async { tokio::join!(calls, open) }).await;
    assert_eq!(a.unwrap(), "user 3 of tenant 1");
    assert_eq!(b.unwrap(), "user 3 of tenant 1");
    assert_eq!(c.unwrap(), "user 3 of tenant 2");
    assert_eq!(
        first.queries.load(Ordering::SeqCst),
        1,
        "one query for tenant 1"
    );
    assert_eq!(
        second.queries.load(Ordering::SeqCst),
        1,
        "its own query for tenant 2"
    );

    let failing = repo(3);
    failing.gate.open();
    let error = within(failing.find_in_tenant(0)).await.unwrap_err();
    assert_eq!(error.to_string(), "no user 0");
}
