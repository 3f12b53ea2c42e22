//! No user code runs under the map's lock: a key's `Hash` and `Drop` and a
//! value's `Clone` and `Drop` all call back into the group, which would
//! deadlock (and fail the deadline) if the lock were held around them.

use std::hash::{Hash, Hasher};

use coalesce::Group;

use crate::support::{block_on_within, yield_once, Gate};

static GROUP: Group<ReentrantKey, ReentrantValue> = Group::new();

/// Takes the map's lock: deadlocks if the caller already holds it.
fn call_back_into_group() {
    let _ = GROUP.in_flight();
}

#[derive(PartialEq, Eq)]
struct ReentrantKey(u8);

impl Hash for ReentrantKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        call_back_into_group();
        self.0.hash(state);
    }
}

impl Drop for ReentrantKey {
    fn drop(&mut self) {
        call_back_into_group();
    }
}

struct ReentrantValue(u8);

impl Clone for ReentrantValue {
    fn clone(&self) -> Self {
        call_back_into_group();
        Self(self.0)
    }
}

impl Drop for ReentrantValue {
    fn drop(&mut self) {
        call_back_into_group();
    }
}

#[test]
fn keys_and_values_may_call_back_into_their_group() {
    let values = block_on_within(async {
        let gate = Gate::new();
        let call = |key| {
            let gate = gate.clone();
            GROUP.run(ReentrantKey(key), async move {
                gate.wait().await;
                ReentrantValue(key)
            })
        };
        let forget_then_open = async {
            yield_once().await;
            assert!(GROUP.forget(&ReentrantKey(1)));
            gate.open();
        };
        let (a, b, c, ()) = futures::join!(call(1), call(1), call(2), forget_then_open);
        [a.0, b.0, c.0]
    });
    assert_eq!(values, [1, 1, 2]);
    assert_eq!(GROUP.in_flight(), 0);
}
