//! Rule 2: every caller receives the leader's value, `Ok` and `Err` alike.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use coalesce::Group;

use crate::support::{within, yield_once, Counter, Gate};

type Lookup = Result<u32, Arc<String>>;

#[tokio::test]
async fn a_single_call_returns_its_value_or_its_error() {
    let group: Group<&str, Lookup> = Group::new();
    assert_eq!(within(group.run("ok", async { Ok(5) })).await, Ok(5));
    let failed = within(group.run("err", async { Err(Arc::new("no row".to_owned())) })).await;
    assert_eq!(failed.unwrap_err().as_str(), "no row");
}

#[tokio::test]
async fn an_error_reaches_every_caller() {
    let group: Group<u8, Lookup> = Group::new();
    let (runs, gate) = (Counter::new(), Gate::new());
    let call = || {
        group.run(1, async {
            runs.hit();
            gate.wait().await;
            Err(Arc::new("upstream down".to_owned()))
        })
    };
    let open = async {
        yield_once().await;
        gate.open();
    };
    let (a, b, c, ()) = within(async { tokio::join!(call(), call(), call(), open) }).await;
    assert_eq!(runs.get(), 1);
    for result in [a, b, c] {
        assert_eq!(result.unwrap_err().as_str(), "upstream down");
    }
}

#[tokio::test]
async fn unit_none_and_unit_errors_are_delivered_as_such() {
    let units: Group<u8, ()> = Group::new();
    let (a, b) =
        within(async { tokio::join!(units.run(0, async {}), units.run(0, async {})) }).await;
    assert_eq!((a, b), ((), ()));

    let options: Group<u8, Option<u8>> = Group::new();
    let none = || options.run(0, async { None });
    assert_eq!(
        within(async { tokio::join!(none(), none()) }).await,
        (None, None)
    );

    let results: Group<u8, Result<u8, ()>> = Group::new();
    let fail = || results.run(0, async { Err(()) });
    assert_eq!(
        within(async { tokio::join!(fail(), fail()) }).await,
        (Err(()), Err(()))
    );
}

#[tokio::test]
async fn run_shared_says_whether_the_value_went_to_more_than_one_caller() {
    let group: Group<u8, &str> = Group::new();
    assert_eq!(
        within(group.run_shared(0, async { "alone" })).await,
        ("alone", false)
    );

    let gate = Gate::new();
    let call = |name| {
        let gate = gate.clone();
        group.run_shared(0, async move {
            gate.wait().await;
            name
        })
    };
    let open = async {
        yield_once().await;
        gate.open();
    };
    let (leader, follower, ()) =
        within(async { tokio::join!(call("leader"), call("follower"), open) }).await;
    assert_eq!(leader, ("leader", true));
    assert_eq!(follower, ("leader", true));
}

/// Counts its clones, to check that delivery clones no more than needed.
#[derive(Debug)]
struct Counted(&'static AtomicUsize);

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, Ordering::SeqCst);
        Counted(self.0)
    }
}

#[tokio::test]
async fn the_last_receiver_gets_the_value_moved() {
    static CLONES: AtomicUsize = AtomicUsize::new(0);
    let group: Group<u8, Counted> = Group::new();
    let gate = Gate::new();
    let call = || {
        group.run(0, async {
            gate.wait().await;
            Counted(&CLONES)
        })
    };
    let open = async {
        yield_once().await;
        gate.open();
    };
    within(async { tokio::join!(call(), call(), call(), call(), open) }).await;
    // Four receivers: the leader keeps the original, one share is cloned for
    // the followers, two followers clone from it, the last one takes it.
    assert_eq!(CLONES.load(Ordering::SeqCst), 3);
}
