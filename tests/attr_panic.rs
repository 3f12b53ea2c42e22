//! A panicking body: the leader's panic continues with its payload and every
//! follower panics with a message that repeats it.

mod support;

use std::any::Any;

use coalesce::coalesce;
use support::{within, Arrivals, Gate};

#[coalesce(key = "id")]
async fn explode(id: u64, gate: Gate) -> u64 {
    gate.wait().await;
    panic!("database on fire for {id}");
}

fn message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|message| (*message).to_owned())
            .unwrap_or_default(),
    }
}

#[tokio::test]
async fn followers_panic_with_the_leaders_message() {
    let (open, arrivals) = (Gate::new(), Arrivals::new());
    let spawn_tracked = |call| {
        let arrivals = arrivals.clone();
        tokio::spawn(async move { arrivals.track(call).await })
    };
    let leader = spawn_tracked(explode(1, open.clone()));
    within(arrivals.wait_for(1)).await;
    let followers: Vec<_> = (0..2)
        .map(|_| spawn_tracked(explode(1, open.clone())))
        .collect();
    within(arrivals.wait_for(3)).await;
    open.open();

    let leader = within(leader).await.unwrap_err();
    assert_eq!(message(leader.into_panic()), "database on fire for 1");
    for follower in followers {
        let follower = message(within(follower).await.unwrap_err().into_panic());
        assert!(follower.contains("database on fire for 1"), "{follower}");
    }
}
