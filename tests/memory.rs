//! Bytes a group holds per in-flight key and per waiting follower, measured
//! with a counting global allocator and bounded so a regression fails CI,
//! and the size of a call's future, the attribute's against `Group::run`'s.
//! `tests/leaks.rs` covers leaks and the uncontended call, which allocates
//! nothing. Run with `--nocapture` to see the figures quoted in BENCHMARKS.md.
//!
//! Counts are per thread and every future here is polled by hand on the
//! test's own thread, so tests running in parallel do not disturb them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::{pending, ready, Future};
use std::mem::size_of_val;
use std::pin::Pin;
use std::task::{Context, Poll};

use coalesce::{coalesce, Group, SharedError};
use futures::task::noop_waker_ref;

struct CountingAllocator;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn add_live(bytes: usize, sign: isize) {
    let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
    LIVE_BYTES.with(|live| live.set(live.get() + sign * bytes));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are plain thread-local cells that never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add_live(layout.size(), 1);
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add_live(layout.size(), -1);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add_live(layout.size(), -1);
        add_live(new_size, 1);
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Live bytes and allocations made so far on this thread.
fn snapshot() -> (isize, usize) {
    (LIVE_BYTES.with(Cell::get), ALLOCATIONS.with(Cell::get))
}

/// Polls every future once with a waker that does nothing (cloning it
/// allocates nothing, as with tokio's or smol's wakers).
fn poll_each<F: Future>(futures: &mut [Pin<Box<F>>]) {
    let mut cx = Context::from_waker(noop_waker_ref());
    for future in futures {
        assert!(future.as_mut().poll(&mut cx).is_pending());
    }
}

/// Power of two, so the map's table and a flight's follower list end up
/// exactly full rather than rounding the per-item figures up.
const N: usize = 1_024;

#[test]
fn bytes_per_in_flight_key() {
    let group: Group<u64, u64> = Group::new();
    // The group's shards, built at its first call (128 B each).
    let (bytes_before, _) = snapshot();
    futures::executor::block_on(group.run(u64::MAX, ready(0)));
    let (bytes_after, _) = snapshot();
    println!(
        "a group's shards and their first table: {} B",
        bytes_after - bytes_before
    );
    let mut first_pass_bytes = 0;
    for pass in 0..2 {
        // The futures are boxed before counting: they are the callers' memory.
        let mut leaders: Vec<_> = (0..N as u64)
            .map(|key| Box::pin(group.run(key, pending::<u64>())))
            .collect();
        let (bytes_before, allocations_before) = snapshot();
        poll_each(&mut leaders);
        let (bytes_after, allocations_after) = snapshot();
        assert_eq!(group.in_flight(), N);
        let bytes = bytes_after - bytes_before;
        let allocations = allocations_after - allocations_before;
        drop(leaders);
        assert_eq!(group.in_flight(), 0);
        if pass == 0 {
            first_pass_bytes = bytes;
            continue;
        }
        // The shards keep their tables: a flight nobody joined lives in its
        // entry, so the second pass allocates nothing at all.
        let per_key = first_pass_bytes / N as isize;
        println!(
            "in-flight key: {per_key} B of map table (entry and control byte, \
             with the tables' spare room), and {allocations} allocations once \
             the tables have grown"
        );
        assert_eq!(
            (bytes, allocations),
            (0, 0),
            "a flight nobody joined allocates"
        );
        assert!(per_key <= 128, "the map holds {per_key} B per key");
    }
}

#[test]
fn bytes_per_waiting_follower() {
    let group: Group<u64, u64> = Group::new();
    let mut leader = [Box::pin(group.run(7, pending::<u64>()))];
    poll_each(&mut leader);
    let mut followers: Vec<_> = (0..N).map(|_| Box::pin(group.run(7, ready(0)))).collect();
    let (bytes_before, allocations_before) = snapshot();
    poll_each(&mut followers);
    let (bytes_after, allocations_after) = snapshot();
    let per_follower = (bytes_after - bytes_before) / N as isize;
    let allocations = allocations_after - allocations_before;
    println!(
        "waiting follower: {per_follower} B in the flight's follower list, its \
         share of the flight's state included ({allocations} allocations for {N} \
         followers: the state, and the list doubling), plus its own future \
         wherever the caller keeps it: {} B for `Group::run` with a {} B body",
        size_of_val(&*followers[0]),
        size_of_val(&ready(0_u64)),
    );
    assert!(
        per_follower <= 40,
        "a waiting follower holds {per_follower} B"
    );
    // No allocation per follower: the flight's state once, and the list's
    // growth, log2(N) + 1 times.
    assert!(allocations <= N.ilog2() as usize + 2);
    drop(followers);
    drop(leader);
    assert_eq!(group.in_flight(), 0);
}

#[coalesce(key = "key")]
async fn attr_body(key: u64) -> u64 {
    ready(key).await
}

/// Stays an `async fn`, which holds its argument and its state around the
/// group's future: the compiler checks a `#[must_use]` output only there.
#[coalesce(key = "key")]
#[must_use]
async fn attr_body_must_use(key: u64) -> u64 {
    ready(key).await
}

#[test]
fn the_attribute_future_is_no_larger_than_group_run() {
    let group: Group<u64, u64> = Group::new();
    let key = 7_u64;
    // The attribute's body, written out: the same state, the same size.
    let body = async move { ready(key).await };
    let direct = size_of_val(&group.run(key, body));
    let attribute = size_of_val(&attr_body(key));
    println!(
        "a call's future over a {} B body: {direct} B for `Group::run`, {attribute} B for \
         the attribute, {} B for the attribute on a `#[must_use]` fn",
        size_of_val(&async move { ready(key).await }),
        size_of_val(&attr_body_must_use(key)),
    );
    assert!(
        attribute <= direct,
        "the attribute's future ({attribute} B) is larger than `Group::run`'s ({direct} B)"
    );
}

/// Pending once, then ready with `value`.
async fn yield_once(value: u64) -> u64 {
    let mut yielded = false;
    std::future::poll_fn(|_| {
        if std::mem::replace(&mut yielded, true) {
            Poll::Ready(value)
        } else {
            Poll::Pending
        }
    })
    .await
}

#[test]
fn a_flight_with_followers_allocates_four_times() {
    let group: Group<u64, u64> = Group::new();
    // Warm up: the shards, and the table of the key's shard.
    futures::executor::block_on(group.run(7, ready(0)));
    let mut cx = Context::from_waker(noop_waker_ref());
    let (_, before) = snapshot();
    let mut leader = Box::pin(group.run(7, yield_once(42)));
    let mut follower = Box::pin(group.run(7, ready(0)));
    let (_, boxed) = snapshot();
    assert!(leader.as_mut().poll(&mut cx).is_pending());
    assert!(follower.as_mut().poll(&mut cx).is_pending());
    let (_, joined) = snapshot();
    assert_eq!(leader.as_mut().poll(&mut cx), Poll::Ready(42));
    assert_eq!(follower.as_mut().poll(&mut cx), Poll::Ready(42));
    let (_, after) = snapshot();
    println!(
        "flight with followers: {} allocations to open it and register them, \
         {} to deliver the value",
        joined - boxed,
        after - joined,
    );
    assert_eq!(boxed - before, 2, "only the two boxes are the test's");
    // The state the first follower gives the flight, and its follower list.
    assert_eq!(joined - boxed, 2);
    // The followers' shares, and the wakers taken out to wake them unlocked.
    assert_eq!(after - joined, 2);
}

#[test]
fn each_run_method_is_no_larger_than_its_shared_kin() {
    // A method that awaited its `_shared` kin would hold its arguments, the
    // body among them, once more: 40 B over a 16 B body.
    let group: Group<u64, u64> = Group::new();
    let run = size_of_val(&group.run(7, ready(0)));
    let detached = size_of_val(&group.run_detached(7, ready(0)));
    assert_eq!(run, size_of_val(&group.run_shared(7, ready(0))));
    assert_eq!(
        detached,
        size_of_val(&group.run_detached_shared(7, ready(0)))
    );
    let fallible: Group<u64, Result<u64, SharedError>> = Group::new();
    let body = || ready(Ok::<u64, std::io::Error>(0));
    let try_run = size_of_val(&fallible.try_run(7, body()));
    let try_detached = size_of_val(&fallible.try_run_detached(7, body()));
    println!(
        "a call's future over a 16 B body: run {run} B, run_detached {detached} B, \
         try_run {try_run} B, try_run_detached {try_detached} B"
    );
    assert_eq!(try_run, size_of_val(&fallible.try_run_shared(7, body())));
    assert_eq!(
        try_detached,
        size_of_val(&fallible.try_run_detached_shared(7, body()))
    );
}
