//! No leaks, and a bounded number of allocations per call, counted by a
//! global allocator. Counts are per thread, and every workload here runs on
//! the test's own thread (`futures::executor::block_on`), so tests running in
//! parallel do not disturb each other's counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::pending;
use std::panic::AssertUnwindSafe;

use coalesce::Group;
use futures::executor::block_on;
use futures::future::{join_all, select, Either};
use futures::FutureExt as _;

struct CountingAllocator;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are plain thread-local cells that never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.with(|live| live.set(live.get() + 1));
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.with(|live| live.set(live.get() - 1));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn live() -> isize {
    LIVE.with(Cell::get)
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

type Served = Result<String, u32>;

/// Returns `Pending` once, after asking to be polled again.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

/// One round: a value, an error, a panic, a leader cancelled mid-flight, and
/// followers on each, over keys that churn from round to round; then the
/// same for bodies the flight owns (`run_detached`), whose waker refers back
/// to the flight: a cycle every way out must break; then blocking calls.
async fn round(group: &Group<u32, Served>, round: u32) {
    let key = round % 500;
    let value = || group.run(key, async move { Ok(format!("value {round}")) });
    let error = || group.run(key + 1_000, async move { Err(round) });
    let panicking = || {
        AssertUnwindSafe(group.run(key + 2_000, async {
            yield_once().await;
            panic!("leak test panic")
        }))
        .catch_unwind()
    };
    let cancelled_leader = async {
        let leader = Box::pin(group.run(key + 3_000, pending()));
        match select(leader, Box::pin(yield_once())).await {
            Either::Left(_) => unreachable!("the leader never finishes"),
            Either::Right(((), _)) => {}
        }
    };
    let promoted = group.run(key + 3_000, async move { Ok(format!("promoted {round}")) });
    let ((), promoted, values, errors, panics) = futures::join!(
        cancelled_leader,
        promoted,
        join_all([value(), value(), value()]),
        join_all([error(), error()]),
        join_all([panicking(), panicking()]),
    );
    assert_eq!(promoted, Ok(format!("promoted {round}")));
    assert!(values.iter().all(|served| served.is_ok()));
    assert!(errors.iter().all(|served| *served == Err(round)));
    assert!(panics.iter().all(Result::is_err));

    let detached = || {
        group.run_detached(key + 4_000, async move {
            yield_once().await;
            Ok(format!("detached {round}"))
        })
    };
    let opener_dropped = async {
        let opener = Box::pin(detached());
        match select(opener, Box::pin(yield_once())).await {
            Either::Left((served, _)) => Some(served),
            Either::Right(((), _)) => None,
        }
    };
    let everyone_dropped = async {
        let callers = join_all([
            group.run_detached(key + 5_000, pending()),
            group.run_detached(key + 5_000, pending()),
        ]);
        select(Box::pin(callers), Box::pin(yield_once())).await;
    };
    let maybe_panicking = |panics: bool| {
        group.run_detached(key + 6_000, async move {
            yield_once().await;
            assert!(!panics, "leak test panic");
            Err(0)
        })
    };
    let detached_panic =
        AssertUnwindSafe(join_all([maybe_panicking(true), maybe_panicking(false)])).catch_unwind();
    let (_, values, (), panicked) = futures::join!(
        opener_dropped,
        join_all([detached(), detached()]),
        everyone_dropped,
        detached_panic,
    );
    assert!(values
        .iter()
        .all(|served| *served == Ok(format!("detached {round}"))));
    assert!(panicked.is_err());

    // Blocking calls, on this thread (the counts are per thread, so calls
    // from other threads are left to the stress storm): a value, an error
    // and a panic.
    let blocking = group.run_blocking(key + 7_000, || Ok(format!("blocking {round}")));
    assert_eq!(blocking, Ok(format!("blocking {round}")));
    assert_eq!(group.run_blocking(key + 7_000, || Err(round)), Err(round));
    let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
        group.run_blocking(key + 8_000, || panic!("leak test panic"))
    }));
    assert!(panicked.is_err());
}

#[test]
fn no_allocation_outlives_a_storm_of_calls() {
    std::panic::set_hook(Box::new(|_| {}));
    let group = Group::new();
    // Twenty-one calls a round; the first pass also grows the map to its largest
    // size, which it keeps, so the second pass must end where it started.
    let pass = |group| {
        block_on(async {
            for number in 0..10_000 {
                round(group, number).await;
            }
        });
    };
    pass(&group);
    let baseline = live();
    pass(&group);
    let _ = std::panic::take_hook();
    assert_eq!(group.in_flight(), 0);
    assert_eq!(live(), baseline, "allocations outlived 420,000 calls");
}

/// Issue 15: a call nobody joins keeps its state in its map entry and
/// allocates nothing.
#[test]
fn an_uncontended_call_allocates_nothing() {
    let group: Group<u64, u64> = Group::new();
    block_on(async {
        // Warm up: the shards, their hasher's seed, and each shard's first
        // table, which it keeps.
        for key in 0..1_000 {
            group.run(key, async move { key }).await;
        }
        let before = allocations();
        for key in 1_000..101_000 {
            assert_eq!(group.run(key, async move { key }).await, key);
        }
        assert_eq!(allocations() - before, 0);
    });
}
