//! The receiver is not part of the key unless named: two repositories share
//! `find(7)`; `key = (self.tenant, id)` keeps tenants apart.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use coalesce::coalesce;
use support::{within, Arrivals, Gate};

struct Repo {
    tenant: u64,
    gate: Gate,
    runs: Arc<AtomicUsize>,
}

impl Repo {
    #[coalesce]
    async fn find(&self, id: u64) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.gate.wait().await;
        format!("tenant {} user {id}", self.tenant)
    }

    #[coalesce(key = (self.tenant, id))]
    async fn find_for_tenant(&self, id: u64) -> String {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.gate.wait().await;
        format!("tenant {} user {id}", self.tenant)
    }
}

fn repos() -> (Repo, Repo) {
    let (gate, runs) = (Gate::new(), Arc::new(AtomicUsize::new(0)));
    let repo = |tenant| Repo {
        tenant,
        gate: gate.clone(),
        runs: runs.clone(),
    };
    (repo(1), repo(2))
}

#[tokio::test]
async fn two_repositories_share_an_equal_key_by_default() {
    let (one, two) = repos();
    let arrivals = Arrivals::new();
    let a = arrivals.track(one.find(7));
    let b = arrivals.track(two.find(7));
    let release = async {
        within(arrivals.wait_for(2)).await;
        one.gate.open();
    };
    let (a, b, ()) = within(async { tokio::join!(a, b, release) }).await;
    assert_eq!(a, b);
    assert_eq!(one.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn naming_self_in_the_key_keeps_tenants_apart() {
    let (one, two) = repos();
    let arrivals = Arrivals::new();
    let a = arrivals.track(one.find_for_tenant(7));
    let b = arrivals.track(two.find_for_tenant(7));
    let release = async {
        within(arrivals.wait_for(2)).await;
        one.gate.open();
    };
    let (a, b, ()) = within(async { tokio::join!(a, b, release) }).await;
    assert_eq!(
        (a.as_str(), b.as_str()),
        ("tenant 1 user 7", "tenant 2 user 7")
    );
    assert_eq!(one.runs.load(Ordering::SeqCst), 2);
}
