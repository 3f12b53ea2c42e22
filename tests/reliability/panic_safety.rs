//! A panic in any user code the group runs (a key's `Hash`, `Eq` or `Drop`,
//! a value's `Clone` or `Drop`, the body) fails only the calls it reaches: no
//! lock stays poisoned, no follower is stranded, and every key keeps working.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use coalesce::Group;
use tokio::task::JoinHandle;

use crate::support::{panic_text, within, Arrivals, Gate};

/// Where a key panics.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum KeyTrap {
    None,
    Hash,
    Eq,
    Drop,
}

/// A key that compares and hashes by `id`, and panics where its trap says.
#[derive(Clone, Debug)]
struct Key {
    id: u8,
    trap: KeyTrap,
}

fn key(id: u8) -> Key {
    Key {
        id,
        trap: KeyTrap::None,
    }
}

fn trapped(id: u8, trap: KeyTrap) -> Key {
    Key { id, trap }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        assert!(self.trap != KeyTrap::Hash, "key hash trap");
        self.id.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        assert!(
            self.trap != KeyTrap::Eq && other.trap != KeyTrap::Eq,
            "key eq trap"
        );
        self.id == other.id
    }
}

impl Eq for Key {}

impl Drop for Key {
    fn drop(&mut self) {
        if self.trap == KeyTrap::Drop && !std::thread::panicking() {
            panic!("key drop trap");
        }
    }
}

/// `Value::panic_on_clone` for a value that cannot be cloned at all.
const EVERY_CLONE: usize = usize::MAX;

/// A value whose `clone` number `panic_on_clone` (counting from 1) panics.
#[derive(Debug)]
struct Value {
    text: &'static str,
    clones: Arc<AtomicUsize>,
    panic_on_clone: usize,
}

impl Value {
    fn new(text: &'static str) -> Self {
        Self::panicking_on_clone(text, 0)
    }

    fn panicking_on_every_clone(text: &'static str) -> Self {
        Self::panicking_on_clone(text, EVERY_CLONE)
    }

    fn panicking_on_clone(text: &'static str, panic_on_clone: usize) -> Self {
        Self {
            text,
            clones: Arc::new(AtomicUsize::new(0)),
            panic_on_clone,
        }
    }
}

impl Clone for Value {
    fn clone(&self) -> Self {
        let clone = self.clones.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(
            clone != self.panic_on_clone && self.panic_on_clone != EVERY_CLONE,
            "value clone trap"
        );
        Self {
            text: self.text,
            clones: self.clones.clone(),
            panic_on_clone: self.panic_on_clone,
        }
    }
}

type Shared = Arc<Group<Key, Value>>;

/// Spawns a call whose body waits on `gate` (forever when `None`) and then
/// returns `make()`, and waits until it has registered.
async fn arrive(
    group: &Shared,
    arrivals: &Arrivals,
    key: Key,
    gate: Option<&Gate>,
    make: fn() -> Value,
) -> JoinHandle<&'static str> {
    let registered = arrivals.count();
    let (group, tracker, gate) = (group.clone(), arrivals.clone(), gate.cloned());
    let call = tokio::spawn(async move {
        let body = async move {
            match gate {
                Some(gate) => gate.wait().await,
                None => std::future::pending().await,
            }
            make()
        };
        tracker.track(group.run(key, body)).await.text
    });
    within(arrivals.wait_for(registered + 1)).await;
    call
}

async fn assert_panicked(call: JoinHandle<&'static str>, message: &str) {
    let text = panic_text(&*within(call).await.unwrap_err().into_panic());
    assert!(
        text.contains(message),
        "{text:?} should mention {message:?}"
    );
}

/// The group still runs, dedups and empties for `id` and for another key.
async fn assert_group_works(group: &Shared, id: u8) {
    for id in [id, id.wrapping_add(100)] {
        let (gate, arrivals) = (Gate::new(), Arrivals::new());
        let leader = arrive(group, &arrivals, key(id), Some(&gate), || {
            Value::new("fresh")
        })
        .await;
        let follower = arrive(group, &arrivals, key(id), Some(&gate), || {
            Value::new("unused")
        })
        .await;
        gate.open();
        assert_eq!(within(leader).await.unwrap(), "fresh");
        assert_eq!(within(follower).await.unwrap(), "fresh");
    }
    assert_eq!(group.in_flight(), 0);
}

#[tokio::test]
async fn a_panicking_key_hash_fails_only_its_call() {
    let group = Shared::default();
    let call = {
        let group = group.clone();
        tokio::spawn(async move {
            group
                .run(trapped(1, KeyTrap::Hash), async { Value::new("never") })
                .await
                .text
        })
    };
    assert_panicked(call, "key hash trap").await;
    assert_group_works(&group, 1).await;
}

#[tokio::test]
async fn a_panicking_key_eq_fails_only_the_joining_call() {
    let group = Shared::default();
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let leader = arrive(&group, &arrivals, key(1), Some(&gate), || {
        Value::new("leader's")
    })
    .await;
    let joiner = {
        let group = group.clone();
        tokio::spawn(async move {
            let body = async { Value::new("never") };
            group.run(trapped(1, KeyTrap::Eq), body).await.text
        })
    };
    assert_panicked(joiner, "key eq trap").await;

    gate.open();
    assert_eq!(within(leader).await.unwrap(), "leader's");
    assert_group_works(&group, 1).await;
}

#[tokio::test]
async fn a_follower_whose_key_panics_on_drop_is_never_promoted() {
    let group = Shared::default();
    let (open, arrivals) = (Gate::new(), Arrivals::new());
    open.open();
    let leader = arrive(&group, &arrivals, key(1), None, || Value::new("never")).await;
    // Its key is dropped once it has joined, and panics: the call fails on
    // its first poll, after registering as a follower.
    let ghost = {
        let group = group.clone();
        tokio::spawn(async move {
            let body = async { Value::new("ghost's") };
            group.run(trapped(1, KeyTrap::Drop), body).await.text
        })
    };
    assert_panicked(ghost, "key drop trap").await;
    let follower = arrive(&group, &arrivals, key(1), Some(&open), || {
        Value::new("follower's")
    })
    .await;

    leader.abort();
    assert!(within(leader).await.unwrap_err().is_cancelled());
    assert_eq!(within(follower).await.unwrap(), "follower's");
    assert_group_works(&group, 1).await;
}

#[tokio::test]
async fn a_leader_key_panicking_on_drop_still_delivers_to_followers() {
    let group = Shared::default();
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let leader = arrive(
        &group,
        &arrivals,
        trapped(1, KeyTrap::Drop),
        Some(&gate),
        || Value::new("leader's"),
    )
    .await;
    let follower = arrive(&group, &arrivals, key(1), Some(&gate), || {
        Value::new("unused")
    })
    .await;
    gate.open();
    assert_panicked(leader, "key drop trap").await;
    assert_eq!(within(follower).await.unwrap(), "leader's");
    assert_group_works(&group, 1).await;
}

/// Issue 15: the leader clones each follower's share; a value that cannot
/// be cloned at all fails every follower, with a message that says so, and
/// the leader still returns it.
#[tokio::test]
async fn a_value_that_cannot_be_cloned_fails_every_follower() {
    let group = Shared::default();
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let leader = arrive(&group, &arrivals, key(1), Some(&gate), || {
        Value::panicking_on_every_clone("leader's")
    })
    .await;
    let first = arrive(&group, &arrivals, key(1), Some(&gate), || {
        Value::new("first's")
    })
    .await;
    let second = arrive(&group, &arrivals, key(1), Some(&gate), || {
        Value::new("second's")
    })
    .await;
    gate.open();

    // The body ran once; its value cannot be shared, and nobody waits forever.
    assert_eq!(within(leader).await.unwrap(), "leader's");
    assert_panicked(
        first,
        "`Clone` panicked while it was shared: value clone trap",
    )
    .await;
    assert_panicked(
        second,
        "`Clone` panicked while it was shared: value clone trap",
    )
    .await;
    assert_group_works(&group, 1).await;
}

#[tokio::test]
async fn a_follower_whose_clone_panics_fails_alone() {
    let group = Shared::default();
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    // The leader makes one share per follower: the second one panics.
    let leader = arrive(&group, &arrivals, key(1), Some(&gate), || {
        Value::panicking_on_clone("leader's", 2)
    })
    .await;
    let mut followers = Vec::new();
    for _ in 0..3 {
        followers.push(
            arrive(&group, &arrivals, key(1), Some(&gate), || {
                Value::new("unused")
            })
            .await,
        );
    }
    gate.open();

    assert_eq!(within(leader).await.unwrap(), "leader's");
    let mut panicked = 0;
    for follower in followers {
        match within(follower).await {
            Ok(text) => assert_eq!(text, "leader's"),
            Err(error) => {
                assert!(error.is_panic());
                panicked += 1;
            }
        }
    }
    assert_eq!(panicked, 1);
    assert_group_works(&group, 1).await;
}

/// A value whose clones panic when dropped (the original does not).
struct TrapOnDrop {
    clone: bool,
}

impl Clone for TrapOnDrop {
    fn clone(&self) -> Self {
        Self { clone: true }
    }
}

impl Drop for TrapOnDrop {
    fn drop(&mut self) {
        if self.clone && !std::thread::panicking() {
            panic!("value drop trap");
        }
    }
}

#[tokio::test]
async fn an_unclaimed_value_whose_drop_panics_fails_only_the_caller_dropping_it() {
    let group: Group<u8, TrapOnDrop> = Group::new();
    let gate = Gate::new();
    let mut leader = Box::pin(group.run(1, async {
        gate.wait().await;
        TrapOnDrop { clone: false }
    }));
    let mut follower = Box::pin(group.run(1, async { TrapOnDrop { clone: false } }));
    std::future::poll_fn(|cx| {
        use std::future::Future as _;
        assert!(leader.as_mut().poll(cx).is_pending());
        assert!(follower.as_mut().poll(cx).is_pending());
        std::task::Poll::Ready(())
    })
    .await;
    gate.open();
    // The leader shares a clone with the follower, which never comes back for it.
    let original = within(leader).await;
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(follower)));
    assert!(
        dropped.is_err(),
        "the last receiver drops the unclaimed clone"
    );
    drop(original);

    assert_eq!(group.in_flight(), 0);
    let (gate, arrivals) = (Gate::new(), Arrivals::new());
    let call = || {
        let gate = gate.clone();
        arrivals.track(group.run(2, async move {
            gate.wait().await;
            TrapOnDrop { clone: false }
        }))
    };
    let open = async {
        arrivals.wait_for(2).await;
        gate.open();
    };
    let (first, mut second, ()) = within(async { tokio::join!(call(), call(), open) }).await;
    assert!(
        !first.clone && second.clone,
        "the group still shares values"
    );
    second.clone = false; // disarmed: this one is dropped by the test
}
