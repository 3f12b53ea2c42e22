//! `coalesce` side by side with the crates users would pick instead, every
//! workload of issue 5 in one criterion run (one process, same machine state).
//!
//! ```text
//! cargo bench --bench coalescing
//! ```
//!
//! Each benchmark reports nanoseconds per call (per caller in the fan-outs):
//! `iter_custom` returns the time of a whole round divided by its callers.
//! `floor` is what no implementation can avoid: the plain call of the body, or
//! the spawning and polling of the callers. The fan-outs print how many
//! executions each implementation ran per flight, and fail unless ours ran
//! exactly one. Results and analysis: `BENCHMARKS.md`.

mod common;

use std::future::Future;
use std::hint::black_box;
use std::ops::RangeFrom;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coalesce::coalesce;
use common::{
    arrive, echo, for_each_coalescer, gated, idle, wait_for_all, yielding, Contenders, Executions,
    Keys, Round, Tally,
};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use futures::stream::{FuturesUnordered, StreamExt as _};

/// Callers on one key in the spawned fan-out.
const SPAWNED: usize = 1_000;
/// Callers on one key in the in-task fan-out.
const IN_TASK: usize = 1_000;
/// Waiters on one key in the large spawned fan-out.
const WAITERS: usize = 10_000;
/// The mixed workload: tasks, calls per task, keys.
const MIXED_TASKS: u64 = 64;
const MIXED_CALLS: u64 = 5_000;
const MIXED_KEYS: u64 = 1_000;
/// The wide mixed workload: as many tasks and calls over ten times the keys,
/// so that flights seldom overlap and the map's shards, not one hot flight,
/// take the load.
const WIDE_KEYS: u64 = 10_000;

// The attribute's own functions, with the same bodies the other contenders run.

#[coalesce(key = "key")]
async fn attr_echo(key: u64, arg: ()) -> u64 {
    echo(key, arg).await
}

#[coalesce(key = "key")]
async fn attr_gated(key: u64, round: Arc<Round>) -> u64 {
    gated(key, round).await
}

#[coalesce(key = "key")]
async fn attr_yielding(key: u64, arg: ()) -> u64 {
    yielding(key, arg).await
}

/// a. Distinct keys, one caller at a time, current-thread runtime: a call
/// that finds no flight, opens one, runs the body at once and closes it.
fn distinct_keys(c: &mut Criterion) {
    let runtime = common::current_thread();
    let all = Contenders::leak();
    let mut group = c.benchmark_group("a_distinct_keys");
    let mut keys = 0..;
    sequential(&mut group, &runtime, "floor", &mut keys, echo);
    for_each_coalescer!(all, echo, attr_echo, |name, call, _expected| {
        sequential(&mut group, &runtime, name, &mut keys, call);
    });
    // A miss every time: moka also inserts the value, as a cache does.
    let moka = move |key, arg| all.moka.get_with(key, echo(key, arg));
    sequential(&mut group, &runtime, "moka_get_with", &mut keys, moka);
    group.finish();
}

fn sequential<C, F>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    keys: &mut RangeFrom<u64>,
    call: C,
) where
    C: Fn(u64, ()) -> F,
    F: Future<Output = u64>,
{
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let key = keys.next().expect("an endless range");
                    black_box(call(black_box(key), ()).await);
                }
                start.elapsed()
            })
        });
    });
}

/// b. and e. Callers spawned by a task on two worker threads, all on one
/// key: ns per caller, spawn and join included (that is the floor).
fn spawned_fan_out(c: &mut Criterion, workload: &str, callers: usize) {
    let runtime = common::two_workers();
    let all = Contenders::leak();
    let mut group = c.benchmark_group(workload);
    let mut keys = 0..;
    let mut bench = FanOut {
        group: &mut group,
        workload,
        callers,
        keys: &mut keys,
    };
    bench.spawned(&runtime, "floor", Executions::Floor, idle);
    for_each_coalescer!(all, gated, attr_gated, |name, call, expected| {
        bench.spawned(&runtime, name, expected, call);
    });
    let moka = move |key, round| all.moka.get_with(key, gated(key, round));
    bench.spawned(&runtime, "moka_get_with", Executions::Counted, moka);
    group.finish();
}

fn spawned_1k(c: &mut Criterion) {
    spawned_fan_out(c, "b_spawned_1k_one_key", SPAWNED);
}

fn spawned_10k(c: &mut Criterion) {
    spawned_fan_out(c, "e_spawned_10k_waiters", WAITERS);
}

/// c. Callers as futures of one task (`FuturesUnordered`), all on one key,
/// current-thread runtime: ns per caller. The floor's callers only wait at
/// the gate: polled, a waker registered, woken, polled again.
fn in_task_fan_out(c: &mut Criterion) {
    let workload = "c_in_task_1k_one_key";
    let runtime = common::current_thread();
    let all = Contenders::leak();
    let mut group = c.benchmark_group(workload);
    let mut keys = 0..;
    let mut bench = FanOut {
        group: &mut group,
        workload,
        callers: IN_TASK,
        keys: &mut keys,
    };
    bench.in_task(&runtime, "floor", Executions::Floor, wait_for_all);
    for_each_coalescer!(all, gated, attr_gated, |name, call, expected| {
        bench.in_task(&runtime, name, expected, call);
    });
    let moka = move |key, round| all.moka.get_with(key, gated(key, round));
    bench.in_task(&runtime, "moka_get_with", Executions::Counted, moka);
    group.finish();
}

/// One fan-out workload: a fresh key and a fresh [`Round`] per flight.
struct FanOut<'a, 'g> {
    group: &'a mut BenchmarkGroup<'g, WallTime>,
    workload: &'a str,
    callers: usize,
    keys: &'a mut RangeFrom<u64>,
}

impl FanOut<'_, '_> {
    fn spawned<C, F>(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        name: &str,
        expected: Executions,
        call: C,
    ) where
        C: Fn(u64, Arc<Round>) -> F + Copy + Send + 'static,
        F: Future<Output = u64> + Send + 'static,
    {
        let (callers, keys) = (self.callers, &mut *self.keys);
        let mut tally = Tally::default();
        self.group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                runtime.block_on(async {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        let key = keys.next().expect("an endless range");
                        let round = Round::new(callers);
                        let start = Instant::now();
                        // Spawned from a worker, as a server's tasks are: from
                        // outside, each spawn may have to unpark a worker.
                        let driver = tokio::spawn({
                            let round = round.clone();
                            async move {
                                let tasks: Vec<_> = (0..callers)
                                    .map(|_| {
                                        tokio::spawn(arrive(
                                            round.clone(),
                                            call(key, round.clone()),
                                        ))
                                    })
                                    .collect();
                                for task in tasks {
                                    black_box(task.await.expect("a caller panicked"));
                                }
                            }
                        });
                        driver.await.expect("a caller panicked");
                        elapsed += start.elapsed();
                        tally.record(&round);
                    }
                    per_caller(elapsed, callers)
                })
            });
        });
        tally.report(self.workload, name, expected);
    }

    fn in_task<C, F>(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        name: &str,
        expected: Executions,
        call: C,
    ) where
        C: Fn(u64, Arc<Round>) -> F,
        F: Future<Output = u64>,
    {
        let (callers, keys) = (self.callers, &mut *self.keys);
        let mut tally = Tally::default();
        self.group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                runtime.block_on(async {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        let key = keys.next().expect("an endless range");
                        let round = Round::new(callers);
                        let start = Instant::now();
                        let mut pending: FuturesUnordered<_> = (0..callers)
                            .map(|_| arrive(round.clone(), call(key, round.clone())))
                            .collect();
                        while let Some(value) = pending.next().await {
                            black_box(value);
                        }
                        elapsed += start.elapsed();
                        tally.record(&round);
                    }
                    per_caller(elapsed, callers)
                })
            });
        });
        tally.report(self.workload, name, expected);
    }
}

/// d. 64 tasks of 5,000 calls each over 1,000 keys, on two worker threads:
/// ns per call. The body yields once, so flights overlap and some calls
/// coalesce. moka is left out: after the first miss on each key it would
/// answer from its cache, which is another job.
fn mixed(c: &mut Criterion) {
    mixed_over(c, "d_mixed_64x5000_1k_keys", MIXED_KEYS);
}

/// f. As d over 10,000 keys.
fn wide(c: &mut Criterion) {
    mixed_over(c, "f_mixed_64x5000_10k_keys", WIDE_KEYS);
}

fn mixed_over(c: &mut Criterion, workload: &str, keys: u64) {
    let runtime = common::two_workers();
    let all = Contenders::leak();
    let mut group = c.benchmark_group(workload);
    // One iteration is 320,000 calls: take a few whole ones per sample.
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    mixed_calls(&mut group, &runtime, "floor", keys, yielding);
    for_each_coalescer!(all, yielding, attr_yielding, |name, call, _expected| {
        mixed_calls(&mut group, &runtime, name, keys, call);
    });
    group.finish();
}

fn mixed_calls<C, F>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    keys: u64,
    call: C,
) where
    C: Fn(u64, ()) -> F + Copy + Send + 'static,
    F: Future<Output = u64> + Send + 'static,
{
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for iteration in 0..iters {
                    let tasks: Vec<_> = (0..MIXED_TASKS)
                        .map(|task| {
                            // The same key sequences for every contender.
                            let sequence = Keys::new(iteration * MIXED_TASKS + task, keys);
                            tokio::spawn(async move {
                                for key in sequence.take(MIXED_CALLS as usize) {
                                    black_box(call(key, ()).await);
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.expect("a caller panicked");
                    }
                }
                per_caller(start.elapsed(), (MIXED_TASKS * MIXED_CALLS) as usize)
            })
        });
    });
}

/// Criterion divides by iterations; dividing a round by its callers makes
/// each reported "iteration" one caller.
fn per_caller(elapsed: Duration, callers: usize) -> Duration {
    elapsed / u32::try_from(callers).expect("callers fit in u32")
}

criterion_group! {
    name = benches;
    // Short windows: the whole suite runs in a few minutes on two cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    targets = distinct_keys, spawned_1k, in_task_fan_out, mixed, spawned_10k, wide
}
criterion_main!(benches);
