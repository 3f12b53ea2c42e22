//! `#[coalesce(fleet)]` with no fleet installed: the body runs in this
//! process, and calls still coalesce here as without `fleet`. No Redis is
//! needed or reached; the Redis behaviour is tested elsewhere.

#![cfg(feature = "fleet")]

mod support;

use coalesce::{coalesce, Fleet, Group};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use support::{within, Arrivals, Counter, Gate};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Report {
    id: u64,
    title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum ReportError {
    NotFound(u64),
}

#[coalesce(key = "id", fleet)]
async fn report(id: u64, gate: Gate, runs: Counter) -> Report {
    runs.hit();
    gate.wait().await;
    Report {
        id,
        title: format!("report {id}"),
    }
}

#[coalesce(key = "id", fleet, fleet_name = "reports/find/v1")]
async fn find(id: u64, gate: Gate, runs: Counter) -> Result<Report, ReportError> {
    runs.hit();
    gate.wait().await;
    Err(ReportError::NotFound(id))
}

static REPORTS: Group<u64, Report> = Group::new();

#[coalesce(key = "id", fleet, group = REPORTS)]
async fn in_a_group(id: u64, gate: Gate, runs: Counter) -> Report {
    runs.hit();
    gate.wait().await;
    Report {
        id,
        title: String::new(),
    }
}

/// Starts `callers` calls, waits until each has joined or opened a flight,
/// then opens the gate and returns what each got.
async fn crowd<F: std::future::Future>(
    callers: usize,
    gate: &Gate,
    call: impl Fn() -> F,
) -> Vec<F::Output> {
    let arrivals = Arrivals::new();
    let calls = join_all((0..callers).map(|_| arrivals.track(call())));
    let release = async {
        arrivals.wait_for(callers).await;
        gate.open();
    };
    within(async { tokio::join!(calls, release).0 }).await
}

#[tokio::test]
async fn without_an_installed_fleet_fifty_callers_share_one_execution() {
    assert!(
        Fleet::installed().is_none(),
        "these tests never install a fleet"
    );
    let (gate, runs) = (Gate::new(), Counter::new());
    let got = crowd(50, &gate, || report(7, gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 1);
    let expected = Report {
        id: 7,
        title: "report 7".to_owned(),
    };
    assert_eq!(got.len(), 50);
    assert!(got.iter().all(|report| *report == expected));
}

#[tokio::test]
async fn an_error_reaches_every_caller_of_a_named_flight() {
    let (gate, runs) = (Gate::new(), Counter::new());
    let got = crowd(50, &gate, || find(8, gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 1);
    assert!(got.iter().all(|got| *got == Err(ReportError::NotFound(8))));
}

#[tokio::test]
async fn a_user_group_holds_the_flight() {
    let (gate, runs) = (Gate::new(), Counter::new());
    let arrivals = Arrivals::new();
    let calls =
        join_all((0..10).map(|_| arrivals.track(in_a_group(9, gate.clone(), runs.clone()))));
    let check = async {
        arrivals.wait_for(10).await;
        assert!(REPORTS.is_in_flight(&9));
        gate.open();
    };
    let (got, ()) = within(async { tokio::join!(calls, check) }).await;
    assert_eq!(runs.get(), 1);
    assert!(got.iter().all(|report| report.id == 9));
    assert!(!REPORTS.is_in_flight(&9));
}

#[tokio::test]
async fn no_caching_a_later_call_runs_again() {
    let (gate, runs) = (Gate::new(), Counter::new());
    gate.open();
    within(report(10, gate.clone(), runs.clone())).await;
    within(report(10, gate.clone(), runs.clone())).await;
    assert_eq!(runs.get(), 2);
}

// `fleet = EXPR`: a `Fleet` needs a Redis, so these are only type-checked.

struct Repo {
    fleet: Fleet,
    tenant: u64,
}

impl Repo {
    #[coalesce(key = (self.tenant, id), fleet = self.fleet)]
    async fn find(&self, id: u64) -> Option<u64> {
        Some(self.tenant + id)
    }

    #[coalesce(key = "id", fleet = "self.fleet", fleet_name = "repo/owned")]
    async fn owned(self: std::sync::Arc<Self>, id: u64) -> u64 {
        self.tenant * id
    }
}

#[coalesce(key = "id", fleet = fleet)]
async fn with_a_fleet_argument(fleet: &Fleet, id: u64) -> u64 {
    let _ = fleet;
    id
}

#[test]
fn fleet_expressions_type_check() {
    fn send_calls<F: std::future::Future + Send>(_: impl Fn(std::sync::Arc<Repo>) -> F) {}
    send_calls(|repo| async move {
        let found = repo.find(1).await;
        let by_argument = with_a_fleet_argument(&repo.fleet, 2).await;
        (found, by_argument, repo.owned(3).await)
    });
}
