//! Blocking calls (`Group::run_blocking` and `#[coalesce]` on a plain `fn`)
//! side by side with the hand-rolled singleflight a team writes for threads:
//! `Mutex<HashMap<K, Arc<OnceLock<V>>>>`, the entry removed once the value is
//! out. One criterion run, one process.
//!
//! ```text
//! cargo bench --bench blocking
//! ```
//!
//! f. Distinct keys, one thread: a call that finds no flight, runs the body
//!    at once and closes the flight. ns per call; `floor` calls the body.
//! g. Two threads, released together by a `Barrier`, call one fresh key per
//!    round; the body spins 50 µs, longer than the barrier's skew, so that the calls overlap. ns per caller,
//!    the barrier included (that is the floor). Prints executions per flight.
//!
//! Results: `BENCHMARKS.md`, "Blocking calls".

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use coalesce::{coalesce, Group};
use criterion::{criterion_group, criterion_main, Criterion};

/// Bodies run, to report executions per flight.
static EXECUTIONS: AtomicU64 = AtomicU64::new(0);

/// The work every contender coalesces: `spin` of busy time, then the key.
fn body(key: u64, spin: Duration) -> u64 {
    EXECUTIONS.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    while start.elapsed() < spin {
        std::hint::spin_loop();
    }
    key
}

#[coalesce(key = "key")]
fn attr_body(key: u64, spin: Duration) -> u64 {
    body(key, spin)
}

/// The hand-rolled baseline: one cell per key in flight, removed by the
/// first caller out (if it is still the same cell).
#[derive(Default)]
struct OnceMap {
    cells: Mutex<HashMap<u64, Arc<OnceLock<u64>>>>,
}

impl OnceMap {
    fn call(&self, key: u64, spin: Duration) -> u64 {
        let lock = || self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        let cell = lock().entry(key).or_default().clone();
        let value = *cell.get_or_init(|| body(key, spin));
        let mut cells = lock();
        if cells
            .get(&key)
            .is_some_and(|current| Arc::ptr_eq(current, &cell))
        {
            cells.remove(&key);
        }
        value
    }
}

type Call<'a> = Box<dyn Fn(u64, Duration) -> u64 + Sync + 'a>;

fn contenders<'a>(group: &'a Group<u64, u64>, map: &'a OnceMap) -> Vec<(&'static str, Call<'a>)> {
    vec![
        ("floor", Box::new(body)),
        (
            "coalesce_run_blocking",
            Box::new(move |key, spin| group.run_blocking(key, || body(key, spin))),
        ),
        ("coalesce_attr", Box::new(attr_body)),
        (
            "once_lock_map",
            Box::new(move |key, spin| map.call(key, spin)),
        ),
    ]
}

fn uncontended(c: &mut Criterion) {
    let (group, map) = (Group::new(), OnceMap::default());
    let mut bench = c.benchmark_group("f_blocking_uncontended");
    let mut keys = 0_u64..;
    for (name, call) in contenders(&group, &map) {
        bench.bench_function(name, |b| {
            b.iter(|| {
                let key = keys.next().expect("an endless range");
                black_box(call(black_box(key), Duration::ZERO))
            });
        });
    }
    bench.finish();
}

fn two_thread_fan_out(c: &mut Criterion) {
    let (group, map) = (Group::new(), OnceMap::default());
    let mut bench = c.benchmark_group("g_blocking_2_threads_one_key");
    let spin = Duration::from_micros(50);
    let mut keys = 0_u64..;
    for (name, call) in contenders(&group, &map) {
        let (mut rounds, before) = (0, EXECUTIONS.load(Ordering::Relaxed));
        bench.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let first = keys.next().expect("an endless range") * 1_000_000;
                rounds += iters;
                let barrier = Barrier::new(2);
                let start = Instant::now();
                std::thread::scope(|scope| {
                    for _ in 0..2 {
                        scope.spawn(|| {
                            for round in 0..iters {
                                barrier.wait();
                                black_box(call(first + round, spin));
                            }
                        });
                    }
                });
                // Per caller: two callers a round.
                start.elapsed() / 2
            });
        });
        let executions = EXECUTIONS.load(Ordering::Relaxed) - before;
        #[allow(clippy::cast_precision_loss, reason = "a ratio for a report")]
        let per_flight = executions as f64 / rounds as f64;
        println!("{name}: {per_flight:.2} executions per round of two callers");
    }
    bench.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    targets = uncontended, two_thread_fan_out
}
criterion_main!(benches);
