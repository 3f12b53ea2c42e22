//! Rule 5: when the leader and every follower are dropped, the entry is gone
//! at once and the next call starts fresh.

use std::future::pending;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use coalesce::Group;
use tokio::task::JoinHandle;

use crate::support::{within, Arrivals, DropFlag};

fn spawn_pending_call(
    group: &Arc<Group<u8, u8>>,
    arrivals: &Arrivals,
    dropped: &Arc<AtomicBool>,
) -> JoinHandle<u8> {
    let (group, arrivals) = (group.clone(), arrivals.clone());
    let guard = DropFlag(dropped.clone());
    tokio::spawn(async move {
        let body = async move {
            let _guard = guard;
            pending::<u8>().await
        };
        arrivals.track(group.run(0, body)).await
    })
}

async fn everyone_cancelled(order: [usize; 3]) {
    let group = Arc::new(Group::new());
    let arrivals = Arrivals::new();
    let dropped: Vec<_> = (0..3).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let mut calls = Vec::new();
    for (count, flag) in dropped.iter().enumerate() {
        calls.push(Some(spawn_pending_call(&group, &arrivals, flag)));
        within(arrivals.wait_for(count + 1)).await;
    }

    for index in order {
        let call = calls[index].take().unwrap();
        call.abort();
        assert!(within(call).await.unwrap_err().is_cancelled());
    }
    assert_eq!(group.in_flight(), 0, "cancel order {order:?}");
    assert!(
        dropped.iter().all(|flag| flag.load(Ordering::SeqCst)),
        "every body future was dropped"
    );
    assert_eq!(
        within(group.run(0, async { 42 })).await,
        42,
        "the next call runs fresh"
    );
}

#[tokio::test]
async fn leader_first_then_followers() {
    everyone_cancelled([0, 1, 2]).await;
}

#[tokio::test]
async fn followers_first_then_leader() {
    everyone_cancelled([2, 1, 0]).await;
}

#[tokio::test]
async fn a_promoted_follower_cancelled_before_it_ran() {
    everyone_cancelled([0, 2, 1]).await;
}
