//! A panicking body: the leader's panic continues with its payload and every
//! follower panics with a message that repeats it.

mod support;

use std::any::Any;
use std::sync::Arc;

use coalesce::coalesce;
use support::{all_polled, gate, polled, within};
use tokio::sync::Notify;

#[coalesce(key = "id")]
async fn explode(id: u64, gate: Arc<Notify>) -> u64 {
    gate.notified().await;
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
    let open = gate();
    let (leader, leader_polled) = polled(explode(1, open.clone()));
    let leader = tokio::spawn(leader);
    within(leader_polled).await.unwrap();
    let mut followers = Vec::new();
    let mut signals = Vec::new();
    for _ in 0..2 {
        let (follower, signal) = polled(explode(1, open.clone()));
        followers.push(tokio::spawn(follower));
        signals.push(signal);
    }
    all_polled(signals).await;
    open.notify_one();

    let leader = within(leader).await.unwrap_err();
    assert_eq!(message(leader.into_panic()), "database on fire for 1");
    for follower in followers {
        let follower = message(within(follower).await.unwrap_err().into_panic());
        assert!(follower.contains("database on fire for 1"), "{follower}");
    }
}
