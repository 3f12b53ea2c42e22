//! `Group::try_run` and its kin: a `Result` whose error is not `Clone`
//! reaches every caller, each in its own error type, with the original's
//! text, a caller that ran alone too.

use std::error::Error;
use std::io;
use std::sync::Barrier;

use coalesce::{Group, SharedError};

use crate::support::{wait_until, within, Arrivals, Counter, Gate};

type Shared = Group<u8, Result<u32, SharedError>>;

fn unavailable() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, "upstream unavailable")
}

#[tokio::test]
async fn callers_with_different_error_types_share_one_execution() {
    let group = Shared::new();
    let (runs, gate, arrivals) = (Counter::new(), Gate::new(), Arrivals::new());
    let leader = arrivals.track(group.try_run_shared(1, async {
        runs.hit();
        gate.wait().await;
        Err::<u32, anyhow::Error>(unavailable().into())
    }));
    let boxed = arrivals.track(group.try_run_shared(1, async {
        runs.hit();
        Err::<u32, Box<dyn Error + Send + Sync>>("never runs".into())
    }));
    let io = arrivals.track(group.try_run_shared(1, async {
        runs.hit();
        Err::<u32, io::Error>(io::Error::other("never runs"))
    }));
    let release = async {
        within(arrivals.wait_for(3)).await;
        gate.open();
    };
    let ((leader, a), (boxed, b), (io, c), ()) =
        within(async { tokio::join!(leader, boxed, io, release) }).await;
    assert_eq!(runs.get(), 1);
    assert!(a && b && c);
    assert_eq!(leader.unwrap_err().to_string(), "upstream unavailable");
    assert_eq!(boxed.unwrap_err().to_string(), "upstream unavailable");
    let io = io.unwrap_err();
    assert_eq!(io.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(io.to_string(), "upstream unavailable");
}

#[tokio::test]
async fn a_caller_that_ran_alone_gets_the_shared_form_too() {
    let group = Shared::new();
    let (error, shared) = within(group.try_run_shared(2, async {
        Err::<u32, Box<dyn Error + Send + Sync>>(Box::new(unavailable()))
    }))
    .await;
    assert!(!shared);
    let error = error.unwrap_err();
    let inside = error.downcast_ref::<SharedError>().unwrap();
    assert!(inside.downcast_ref::<io::Error>().is_some());
}

#[tokio::test]
async fn ok_values_are_cloned_and_errors_leave_no_entry() {
    let group = Shared::new();
    let ok = within(group.try_run(3, async { Ok::<u32, anyhow::Error>(7) })).await;
    assert_eq!(ok.unwrap(), 7);
    let err = within(group.try_run(3, async { Err::<u32, _>(anyhow::anyhow!("gone")) })).await;
    assert_eq!(err.unwrap_err().to_string(), "gone");
    assert_eq!(group.in_flight(), 0);
    assert_eq!(group.stats().executions, 2);
}

#[tokio::test]
async fn a_detached_execution_shares_its_error_with_a_caller_arriving_later() {
    let group = Shared::new();
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let opener = {
        let gate = gate.clone();
        arrivals.track(group.try_run_detached_shared(4, async move {
            gate.wait().await;
            Err::<u32, anyhow::Error>(unavailable().into())
        }))
    };
    let late = arrivals.track(group.try_run_detached_shared(4, async {
        Err::<u32, io::Error>(io::Error::other("never runs"))
    }));
    let release = async {
        within(arrivals.wait_for(2)).await;
        gate.open();
    };
    let ((opener, a), (late, b), ()) = within(async { tokio::join!(opener, late, release) }).await;
    assert!(a && b);
    assert!(opener.unwrap_err().downcast_ref::<SharedError>().is_some());
    assert_eq!(late.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn threads_share_one_blocking_execution_and_its_error() {
    const THREADS: usize = 4;
    let group = Shared::new();
    let (runs, barrier) = (Counter::new(), Barrier::new(THREADS));
    let errors: Vec<io::Error> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    group
                        .try_run_blocking(5, || {
                            runs.hit();
                            wait_until("every thread's registration", || {
                                group.stats().calls >= THREADS as u64
                            });
                            Err(unavailable())
                        })
                        .unwrap_err()
                })
            })
            .collect();
        calls.into_iter().map(|call| call.join().unwrap()).collect()
    });
    assert_eq!(runs.get(), 1);
    for error in errors {
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    }
}
