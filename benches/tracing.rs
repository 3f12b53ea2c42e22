//! The cost of the `tracing` feature's events on workload c of
//! `coalescing.rs`: 1,000 callers of one key as futures of one task,
//! current-thread runtime, ns per caller.
//!
//! ```text
//! cargo bench --bench tracing --features tracing
//! ```
//!
//! Each case installs (as the thread's default) what an application would:
//! `no_subscriber`; `debug_off`, the `fmt` subscriber at INFO, so the debug
//! events are disabled; `debug_on`, the `fmt` subscriber at DEBUG writing
//! every event to `io::sink()`; `debug_on_log_key_false`, the same with
//! `log_key = false` on the function. Results: `BENCHMARKS.md`, "Tracing
//! events".

#[allow(
    dead_code,
    unused_imports,
    unused_macros,
    reason = "this bench uses the fan-out gate of the shared harness, not its contenders"
)]
mod common;

use std::future::Future;
use std::hint::black_box;
use std::ops::RangeFrom;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coalesce::coalesce;
use common::{arrive, gated, Round};
use criterion::{criterion_group, criterion_main, Criterion};
use futures::stream::{FuturesUnordered, StreamExt as _};
use tracing::level_filters::LevelFilter;

/// Callers on one key, as in workload c.
const CALLERS: usize = 1_000;

#[coalesce(key = "key")]
async fn logged(key: u64, round: Arc<Round>) -> u64 {
    gated(key, round).await
}

#[coalesce(key = "key", log_key = false)]
async fn unlogged(key: u64, round: Arc<Round>) -> u64 {
    gated(key, round).await
}

fn fmt_at(level: LevelFilter) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::sink)
        .finish()
}

fn events(c: &mut Criterion) {
    let runtime = common::current_thread();
    let mut group = c.benchmark_group("tracing_c_in_task_1k_one_key");
    let mut keys = 0..;
    fan_out(&mut group, &runtime, "no_subscriber", &mut keys, logged);
    tracing::subscriber::with_default(fmt_at(LevelFilter::INFO), || {
        fan_out(&mut group, &runtime, "debug_off", &mut keys, logged);
    });
    tracing::subscriber::with_default(fmt_at(LevelFilter::DEBUG), || {
        fan_out(&mut group, &runtime, "debug_on", &mut keys, logged);
        let name = "debug_on_log_key_false";
        fan_out(&mut group, &runtime, name, &mut keys, unlogged);
    });
    group.finish();
}

fn fan_out<C, F>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    keys: &mut RangeFrom<u64>,
    call: C,
) where
    C: Fn(u64, Arc<Round>) -> F,
    F: Future<Output = u64>,
{
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    let key = keys.next().expect("an endless range");
                    let round = Round::new(CALLERS);
                    let start = Instant::now();
                    let mut pending: FuturesUnordered<_> = (0..CALLERS)
                        .map(|_| arrive(round.clone(), call(key, round.clone())))
                        .collect();
                    while let Some(value) = pending.next().await {
                        black_box(value);
                    }
                    elapsed += start.elapsed();
                    assert_eq!(round.executions(), 1, "{name}: one execution per flight");
                }
                elapsed / u32::try_from(CALLERS).expect("callers fit in u32")
            })
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    targets = events
}
criterion_main!(benches);
