//! Leader cancelled: a follower is promoted and runs its own body with its
//! own arguments; nobody receives a value from the abandoned execution.

mod support;

use coalesce::coalesce;
use support::{within, Arrivals, Gate};
use tokio::sync::mpsc;

/// Reports which caller's body started, then waits for that caller's gate.
#[coalesce(key = "id")]
async fn fetch(
    id: u64,
    caller: &'static str,
    started: mpsc::UnboundedSender<&'static str>,
    gate: Gate,
) -> String {
    started.send(caller).unwrap();
    gate.wait().await;
    format!("{id} from {caller}")
}

#[tokio::test]
async fn a_promoted_follower_runs_its_own_body() {
    let (started, mut bodies) = mpsc::unbounded_channel();
    let never = Gate::new();
    let leader = tokio::spawn(fetch(1, "leader", started.clone(), never));
    assert_eq!(within(bodies.recv()).await, Some("leader"));

    let (own, arrivals) = (Gate::new(), Arrivals::new());
    let follower = fetch(1, "follower", started, own.clone());
    let tracker = arrivals.clone();
    let follower = tokio::spawn(async move { tracker.track(follower).await });
    within(arrivals.wait_for(1)).await;

    leader.abort();
    assert!(within(leader).await.unwrap_err().is_cancelled());
    // Promoted: the follower's own body starts, with its own arguments.
    assert_eq!(within(bodies.recv()).await, Some("follower"));
    own.open();
    assert_eq!(within(follower).await.unwrap(), "1 from follower");
}

#[tokio::test]
async fn the_next_call_after_everyone_left_starts_fresh() {
    let (started, mut bodies) = mpsc::unbounded_channel();
    let leader = tokio::spawn(fetch(2, "leader", started.clone(), Gate::new()));
    assert_eq!(within(bodies.recv()).await, Some("leader"));
    leader.abort();
    assert!(within(leader).await.unwrap_err().is_cancelled());

    let open = Gate::new();
    open.open();
    assert_eq!(
        within(fetch(2, "later", started, open)).await,
        "2 from later"
    );
    assert_eq!(within(bodies.recv()).await, Some("later"));
}
