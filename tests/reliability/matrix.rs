//! The same scenarios on tokio (current-thread and multi-thread), smol and
//! `futures::executor`: nothing in the group depends on one runtime.

use std::future::{pending, Future};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;

use coalesce::Group;
use futures::future::{select, Either};
use futures::FutureExt as _;

use crate::support::{yield_once, Counter, DropFlag, Gate, DEADLINE};

type Scenario = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Drives a scenario to completion on one executor.
type Executor = fn(Scenario);

const EXECUTORS: [(&str, Executor); 4] = [
    ("tokio current-thread", |scenario| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(scenario);
    }),
    ("tokio multi-thread", |scenario| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        // Spawned, so the scenario runs on a worker thread.
        if let Err(error) = runtime.block_on(runtime.spawn(scenario)) {
            std::panic::resume_unwind(error.into_panic());
        }
    }),
    ("smol", |scenario| smol::block_on(smol::spawn(scenario))),
    ("futures::executor", futures::executor::block_on),
];

/// Runs `scenario` on every executor, each in its own thread under the test
/// deadline; a panic inside the scenario fails the test with its message.
fn on_every_executor(scenario: fn() -> Scenario) {
    for (name, executor) in EXECUTORS {
        let (finished, done) = mpsc::channel();
        let runner = thread::spawn(move || {
            executor(scenario());
            let _ = finished.send(());
        });
        match done.recv_timeout(DEADLINE) {
            Ok(()) => runner.join().unwrap(),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                eprintln!("scenario failed on {name}");
                std::panic::resume_unwind(runner.join().unwrap_err());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("scenario hung on {name}"),
        }
    }
}

/// A leader, two followers, one execution; the value reaches all three.
#[test]
fn concurrent_callers_share_one_execution() {
    on_every_executor(|| {
        Box::pin(async {
            let group: Group<u8, Result<u8, String>> = Group::new();
            let (runs, gate) = (Counter::new(), Gate::new());
            let call = || {
                group.run(1, async {
                    runs.hit();
                    gate.wait().await;
                    Err("down".to_owned())
                })
            };
            let open = async {
                yield_once().await;
                gate.open();
            };
            let (a, b, c, ()) = futures::join!(call(), call(), call(), open);
            assert_eq!(
                [a, b, c],
                [
                    Err("down".to_owned()),
                    Err("down".to_owned()),
                    Err("down".to_owned())
                ]
            );
            assert_eq!(runs.get(), 1);
            assert_eq!(group.in_flight(), 0);
        })
    });
}

/// A leader cancelled by `select` hands off to the follower, which runs its own body.
#[test]
fn a_cancelled_leader_hands_off() {
    on_every_executor(|| {
        Box::pin(async {
            let group: Group<u8, &str> = Group::new();
            let cancel = Gate::new();
            let leader = async {
                match select(Box::pin(group.run(1, pending())), Box::pin(cancel.wait())).await {
                    Either::Left((value, _)) => Some(value),
                    Either::Right(((), _)) => None,
                }
            };
            let follower = group.run(1, async { "follower's own" });
            let trigger = async {
                yield_once().await;
                cancel.open();
            };
            let (leader, follower, ()) = futures::join!(leader, follower, trigger);
            assert_eq!((leader, follower), (None, "follower's own"));
            assert_eq!(group.in_flight(), 0);
        })
    });
}

/// A panicking body panics both the leader and the follower, once.
#[test]
fn a_panic_reaches_every_caller() {
    on_every_executor(|| {
        Box::pin(async {
            let group: Group<u8, u8> = Group::new();
            let (runs, gate) = (Counter::new(), Gate::new());
            let call = || {
                AssertUnwindSafe(group.run(1, async {
                    runs.hit();
                    gate.wait().await;
                    panic!("matrix body panicked")
                }))
                .catch_unwind()
            };
            let open = async {
                yield_once().await;
                gate.open();
            };
            let (leader, follower, ()) = futures::join!(call(), call(), open);
            assert!(leader.is_err() && follower.is_err());
            assert_eq!(runs.get(), 1);
            assert_eq!(group.in_flight(), 0);
        })
    });
}

/// Everyone cancelled: the body is dropped, the map is empty, the next call is fresh.
#[test]
fn everyone_cancelled_leaves_nothing_behind() {
    on_every_executor(|| {
        Box::pin(async {
            let group: Group<u8, u8> = Group::new();
            let dropped = Arc::new(AtomicBool::new(false));
            let call = |guard: Option<DropFlag>| {
                group.run(1, async move {
                    let _guard = guard;
                    pending::<u8>().await
                })
            };
            let cancel = Gate::new();
            let callers = futures::future::join(call(Some(DropFlag(dropped.clone()))), call(None));
            let trigger = async {
                yield_once().await;
                cancel.open();
            };
            let cancelled = async {
                matches!(
                    select(Box::pin(callers), Box::pin(cancel.wait())).await,
                    Either::Right(_)
                )
            };
            let (cancelled, ()) = futures::join!(cancelled, trigger);
            assert!(cancelled);
            assert!(dropped.load(Ordering::SeqCst));
            assert_eq!(group.in_flight(), 0);
            assert_eq!(group.run(1, async { 9 }).await, 9);
        })
    });
}
