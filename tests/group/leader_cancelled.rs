//! Rule 4: a dropped leader abandons its execution; exactly one follower is
//! promoted and runs its own body for the others.

use std::future::{pending, poll_fn, Future as _};
use std::sync::Arc;
use std::task::Poll;

use coalesce::Group;
use tokio::task::JoinHandle;

use crate::support::{within, yield_once, Arrivals, Counter, Gate};

struct Scene {
    group: Arc<Group<u8, String>>,
    arrivals: Arrivals,
    runs: Counter,
}

impl Scene {
    fn new() -> Self {
        Self {
            group: Arc::new(Group::new()),
            arrivals: Arrivals::new(),
            runs: Counter::new(),
        }
    }

    /// Spawns a caller named `name` whose body, if it ever runs, waits on
    /// `gate` (forever when `None`) and returns its own name, then waits
    /// until the caller has registered.
    async fn arrive(&self, name: &'static str, gate: Option<&Gate>) -> JoinHandle<String> {
        let (group, arrivals, runs) =
            (self.group.clone(), self.arrivals.clone(), self.runs.clone());
        let gate = gate.cloned();
        let registered = self.arrivals.count();
        let handle = tokio::spawn(async move {
            let body = async move {
                runs.hit();
                match gate {
                    Some(gate) => gate.wait().await,
                    None => pending().await,
                }
                name.to_owned()
            };
            arrivals.track(group.run(0, body)).await
        });
        within(self.arrivals.wait_for(registered + 1)).await;
        handle
    }
}

async fn cancel(handle: JoinHandle<String>) {
    handle.abort();
    assert!(within(handle).await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn the_longest_waiting_follower_runs_its_own_body_for_the_others() {
    let scene = Scene::new();
    let open = Gate::new();
    open.open();
    let leader = scene.arrive("leader", None).await;
    let first = scene.arrive("first follower", Some(&open)).await;
    let second = scene.arrive("second follower", Some(&open)).await;
    assert_eq!(scene.runs.get(), 1);

    cancel(leader).await;
    assert_eq!(within(first).await.unwrap(), "first follower");
    assert_eq!(within(second).await.unwrap(), "first follower");
    assert_eq!(
        scene.runs.get(),
        2,
        "the leader's body and the promoted follower's"
    );
    assert_eq!(scene.group.in_flight(), 0);
}

#[tokio::test]
async fn one_follower_is_promoted_at_a_time() {
    let scene = Scene::new();
    let (first_gate, open) = (Gate::new(), Gate::new());
    open.open();
    let leader = scene.arrive("leader", None).await;
    let first = scene.arrive("first", Some(&first_gate)).await;
    let second = scene.arrive("second", Some(&open)).await;
    let third = scene.arrive("third", Some(&open)).await;

    cancel(leader).await;
    for _ in 0..10 {
        yield_once().await;
    }
    assert_eq!(scene.runs.get(), 2, "only the first follower was promoted");
    assert!(!second.is_finished() && !third.is_finished());

    cancel(first).await;
    assert_eq!(within(second).await.unwrap(), "second");
    assert_eq!(within(third).await.unwrap(), "second");
    assert_eq!(scene.runs.get(), 3);
    assert_eq!(scene.group.in_flight(), 0);
}

#[tokio::test]
async fn a_leader_cancelled_by_select_hands_off() {
    let group: Group<u8, &str> = Group::new();
    let (cancel_leader, arrivals) = (Gate::new(), Arrivals::new());
    let leader = async {
        tokio::select! {
            value = arrivals.track(group.run(0, pending())) => Some(value),
            () = cancel_leader.wait() => None,
        }
    };
    let follower = async {
        let value = arrivals
            .track(group.run(0, async { "follower's own" }))
            .await;
        (value, group.in_flight())
    };
    let trigger = async {
        arrivals.wait_for(2).await;
        cancel_leader.open();
    };
    let (leader, follower, ()) = within(async { tokio::join!(leader, follower, trigger) }).await;
    assert_eq!(leader, None);
    assert_eq!(follower, ("follower's own", 0));
}

#[tokio::test]
async fn a_leader_held_without_polling_stalls_followers_until_dropped() {
    let scene = Scene::new();
    let group = scene.group.clone();
    let mut parked = Box::pin(group.run(0, async { pending::<String>().await }));
    // Poll it once, so it registers as the leader, then keep it unpolled.
    poll_fn(|cx| {
        assert!(parked.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    let open = Gate::new();
    open.open();
    let follower = scene.arrive("follower", Some(&open)).await;

    for _ in 0..10 {
        yield_once().await;
    }
    assert!(
        !follower.is_finished(),
        "documented: a parked leader holds its followers"
    );

    drop(parked);
    assert_eq!(within(follower).await.unwrap(), "follower");
}
