//! Rule 9: no runtime lock-in. The same scenario on three executors.

use std::sync::Arc;

use coalesce::Group;

use crate::support::{block_on_within, within, yield_once, Counter, Gate};

/// Three concurrent callers of one key; returns their values and the runs.
async fn three_callers_one_execution() -> (Vec<String>, usize) {
    let group: Group<&str, String> = Group::new();
    let (runs, gate) = (Counter::new(), Gate::new());
    let call = |caller: usize| {
        let (runs, gate) = (runs.clone(), gate.clone());
        group.run("key", async move {
            runs.hit();
            gate.wait().await;
            format!("from caller {caller}")
        })
    };
    let open = async {
        yield_once().await;
        gate.open();
    };
    let (a, b, c, ()) = futures::join!(call(0), call(1), call(2), open);
    (vec![a, b, c], runs.get())
}

fn assert_one_execution((values, runs): (Vec<String>, usize)) {
    assert_eq!(runs, 1);
    assert_eq!(values, ["from caller 0"; 3]);
}

#[tokio::test(flavor = "current_thread")]
async fn tokio_current_thread() {
    assert_one_execution(within(three_callers_one_execution()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_multi_thread_across_tasks() {
    let group = Arc::new(Group::<u8, usize>::new());
    let (runs, gate) = (Counter::new(), Gate::new());
    let arrivals = crate::support::Arrivals::new();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (group, runs, gate, arrivals) =
                (group.clone(), runs.clone(), gate.clone(), arrivals.clone());
            tokio::spawn(async move {
                let body = async move {
                    gate.wait().await;
                    runs.hit()
                };
                arrivals.track(group.run(0, body)).await
            })
        })
        .collect();
    within(arrivals.wait_for(8)).await;
    gate.open();
    for call in calls {
        assert_eq!(within(call).await.unwrap(), 1);
    }
    assert_one_execution(
        within(tokio::spawn(three_callers_one_execution()))
            .await
            .unwrap(),
    );
}

#[test]
fn futures_executor() {
    assert_one_execution(block_on_within(three_callers_one_execution()));
}
