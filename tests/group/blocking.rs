//! `Group::run_blocking`: threads share one execution per key, with the
//! same delivery, panic and no-caching rules as async callers, and share
//! flights with async callers of the same group.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use coalesce::Group;

use crate::support::{panic_text, wait_until, within, Arrivals, Gate};

/// Waits, on this thread, until `calls` calls have registered with `group`.
fn wait_for_calls<V: Clone + Send + 'static>(group: &Group<u8, V>, calls: u64) {
    wait_until("the callers' registration", || group.stats().calls >= calls);
}

#[test]
fn sixteen_threads_behind_a_barrier_run_the_body_once() {
    let group = Group::<u8, String>::new();
    let runs = AtomicUsize::new(0);
    let barrier = Barrier::new(16);
    let values: Vec<String> = thread::scope(|scope| {
        let calls: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    group.run_blocking(1, || {
                        runs.fetch_add(1, Ordering::SeqCst);
                        // Held until every caller has joined, so the test
                        // does not depend on who is scheduled first.
                        wait_for_calls(&group, 16);
                        "config".to_owned()
                    })
                })
            })
            .collect();
        calls.into_iter().map(|call| call.join().unwrap()).collect()
    });
    assert_eq!(values, vec!["config"; 16]);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let stats = group.stats();
    assert_eq!((stats.calls, stats.executions, stats.joined), (16, 1, 15));
    assert_eq!(group.in_flight(), 0);
}

#[test]
fn a_panicking_body_panics_the_leader_with_its_payload_and_every_waiting_thread() {
    let group = Group::<u8, u8>::new();
    let (leader, followers) = thread::scope(|scope| {
        let leader = scope.spawn(|| {
            group.run_blocking(1, || {
                wait_for_calls(&group, 3);
                panic!("config file is corrupt")
            })
        });
        wait_for_calls(&group, 1);
        let followers: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| group.run_blocking(1, || 7)))
            .collect();
        let followers: Vec<_> = followers.into_iter().map(|f| f.join()).collect();
        (leader.join(), followers)
    });
    let payload = leader.expect_err("the leader panics");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"config file is corrupt")
    );
    for follower in followers {
        let message = panic_text(&*follower.expect_err("a waiting thread panics"));
        assert!(
            message.contains("panicked in its leader: config file is corrupt"),
            "{message}"
        );
    }
    assert_eq!(group.in_flight(), 0);
    assert_eq!(group.run_blocking(1, || 9), 9, "the next call runs afresh");
}

#[test]
fn a_body_may_call_its_group_with_another_key() {
    let group = Group::<u8, u8>::new();
    let outer = group.run_blocking(1, || group.run_blocking(2, || 20) + 1);
    assert_eq!(outer, 21);
    assert_eq!(group.in_flight(), 0);
}

#[test]
fn not_a_cache_each_call_after_the_last_one_runs_again() {
    let group = Group::<u8, u8>::new();
    let runs = AtomicUsize::new(0);
    for _ in 0..3 {
        group.run_blocking(1, || runs.fetch_add(1, Ordering::SeqCst) as u8);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

/// A thread joins a flight an async caller leads, and gets its value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_waits_for_an_async_leader() {
    let group = Arc::new(Group::<u8, u8>::new());
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let leader = {
        let (group, gate, arrivals) = (group.clone(), gate.clone(), arrivals.clone());
        tokio::spawn(async move {
            arrivals
                .track(group.run(1, async move {
                    gate.wait().await;
                    5
                }))
                .await
        })
    };
    within(arrivals.wait_for(1)).await;
    let thread = {
        let group = group.clone();
        tokio::task::spawn_blocking(move || group.run_blocking(1, || 6))
    };
    let waiting = group.clone();
    within(tokio::task::spawn_blocking(move || {
        wait_for_calls(&waiting, 2)
    }))
    .await
    .unwrap();
    gate.open();
    assert_eq!(within(leader).await.unwrap(), 5);
    assert_eq!(
        within(thread).await.unwrap(),
        5,
        "the thread got the leader's value"
    );
    assert_eq!(group.stats().executions, 1);
}

/// An async caller joins a flight a thread leads, and gets its value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_caller_waits_for_a_thread() {
    let group = Arc::new(Group::<u8, u8>::new());
    let release = Arc::new(Barrier::new(2));
    let leader = {
        let (group, release) = (group.clone(), release.clone());
        thread::spawn(move || {
            group.run_blocking(1, || {
                release.wait();
                wait_for_calls(&group, 2);
                8
            })
        })
    };
    let arrived = {
        let release = release.clone();
        tokio::task::spawn_blocking(move || release.wait())
    };
    within(arrived).await.unwrap();
    let follower = within(group.run(1, async { 9 })).await;
    assert_eq!(follower, 8, "the async caller got the thread's value");
    assert_eq!(leader.join().unwrap(), 8);
    assert_eq!(group.stats().executions, 1);
}

/// A thread waiting on an async leader that is cancelled is promoted and
/// runs its own body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_thread_is_promoted_when_the_async_leader_is_dropped() {
    let group = Arc::new(Group::<u8, u8>::new());
    let arrivals = Arrivals::new();
    let leader = {
        let (group, arrivals) = (group.clone(), arrivals.clone());
        tokio::spawn(async move { arrivals.track(group.run(1, std::future::pending())).await })
    };
    within(arrivals.wait_for(1)).await;
    let thread = {
        let group = group.clone();
        tokio::task::spawn_blocking(move || group.run_blocking(1, || 3))
    };
    let waiting = group.clone();
    within(tokio::task::spawn_blocking(move || {
        wait_for_calls(&waiting, 2)
    }))
    .await
    .unwrap();
    leader.abort();
    assert_eq!(within(thread).await.unwrap(), 3, "its own body ran");
    assert_eq!(group.stats().promotions, 1);
    assert_eq!(group.in_flight(), 0);
}
