//! What a `Result` output costs: errors shared as `Arc<E>` (a `Clone`
//! output, `Group::run`) against errors that are not `Clone`, shared through
//! `SharedError` (`Group::try_run` and the attribute on `anyhow::Result`,
//! `std::io::Result` and a user enum). One criterion run, one process.
//!
//! ```text
//! cargo bench --bench errors
//! ```
//!
//! a. Distinct keys, one caller at a time, current-thread runtime: ns per
//!    call, for `Ok` and for `Err`. Nobody shares, so an error is returned
//!    as it is; `floor` awaits the body alone.
//! c. 1,000 callers of one key as futures of one task, current-thread
//!    runtime, every body failing: ns per caller. The error is shared: one
//!    `Arc` clone per caller for `Arc<E>`, one `E::from(SharedError)` per
//!    caller otherwise. `floor` callers only wait at the gate.
//!
//! anyhow captures a backtrace for every `anyhow::Error` it builds when
//! `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` asks for one, for followers as
//! for any `?`: run with `RUST_BACKTRACE=0` to measure the conversion alone.
//!
//! Results: `BENCHMARKS.md`, "Errors".

#[allow(
    dead_code,
    unused_imports,
    unused_macros,
    reason = "this bench uses the fan-out gate of the shared harness, not its contenders"
)]
mod common;

use std::future::Future;
use std::hint::black_box;
use std::io;
use std::ops::RangeFrom;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coalesce::{coalesce, Group, SharedError};
use common::{arrive, gated, wait_for_all, Round};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use futures::stream::{FuturesUnordered, StreamExt as _};

/// Callers on one key in the in-task fan-out.
const IN_TASK: usize = 1_000;

/// The user's own error, with the one variant sharing needs.
#[derive(Debug, thiserror::Error)]
enum RepoError {
    #[error("user {0} not found")]
    NotFound(u64),
    #[error(transparent)]
    Shared(#[from] SharedError),
}

static ARC_GROUP: Group<u64, Result<u64, Arc<io::Error>>> = Group::new();
static SHARED_GROUP: Group<u64, Result<u64, SharedError>> = Group::new();

fn arc_error(key: u64) -> Arc<io::Error> {
    Arc::new(io::Error::new(
        io::ErrorKind::NotFound,
        format!("no row {key}"),
    ))
}

fn anyhow_error(key: u64) -> anyhow::Error {
    anyhow::anyhow!("no row {key}")
}

async fn body_anyhow(key: u64, fail: bool) -> anyhow::Result<u64> {
    if fail {
        return Err(anyhow_error(key));
    }
    Ok(key)
}

async fn body_arc(key: u64, fail: bool) -> Result<u64, Arc<io::Error>> {
    if fail {
        return Err(arc_error(key));
    }
    Ok(key)
}

#[coalesce(key = "key")]
async fn attr_anyhow(key: u64, fail: bool) -> anyhow::Result<u64> {
    body_anyhow(key, fail).await
}

#[coalesce(key = "key")]
async fn attr_arc(key: u64, fail: bool) -> Result<u64, Arc<io::Error>> {
    body_arc(key, fail).await
}

/// a. One caller at a time on a fresh key, for `Ok` and for `Err`.
fn uncontended(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let mut keys = 0..;
    for (workload, fail) in [("a_errors_ok", false), ("a_errors_err", true)] {
        let mut group = c.benchmark_group(workload);
        let mut bench = |name, call: &dyn Fn(u64) -> Call| {
            sequential(&mut group, &runtime, name, &mut keys, call);
        };
        bench("floor_anyhow", &|key| {
            Box::pin(body_anyhow(key, fail)) as Call
        });
        bench("floor_arc", &|key| {
            Box::pin(async move { body_arc(key, fail).await.map_err(anyhow::Error::new) }) as Call
        });
        bench("run_arc", &|key| {
            Box::pin(async move {
                let result = ARC_GROUP.run(key, body_arc(key, fail)).await;
                result.map_err(anyhow::Error::new)
            }) as Call
        });
        bench("try_run_anyhow", &|key| {
            Box::pin(SHARED_GROUP.try_run(key, body_anyhow(key, fail))) as Call
        });
        bench("attr_arc", &|key| {
            Box::pin(async move { attr_arc(key, fail).await.map_err(anyhow::Error::new) }) as Call
        });
        bench("attr_anyhow", &|key| {
            Box::pin(attr_anyhow(key, fail)) as Call
        });
        group.finish();
    }
}

/// Every contender's call, boxed so one loop times them all; the box is in
/// the floor too.
type Call = std::pin::Pin<Box<dyn Future<Output = anyhow::Result<u64>>>>;

fn sequential(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    keys: &mut RangeFrom<u64>,
    call: &dyn Fn(u64) -> Call,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let key = keys.next().expect("an endless range");
                    let _ = black_box(call(black_box(key)).await);
                }
                start.elapsed()
            })
        });
    });
}

/// c. A thousand callers of one key in one task, every body failing.
fn shared_failure(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let mut group = c.benchmark_group("c_errors_in_task_1k_one_key");
    let mut keys = 0..;
    let mut bench = |name, call: &dyn Fn(u64, Arc<Round>) -> Pending| {
        fan_out(&mut group, &runtime, name, &mut keys, call);
    };
    bench("floor", &|key, round| {
        Box::pin(async move {
            wait_for_all(key, round).await;
            Some(())
        })
    });
    bench("run_arc", &|key, round| {
        Box::pin(async move {
            let failing = async move { Err(arc_error(gated(key, round).await)) };
            ARC_GROUP.run(key, failing).await.err().map(drop)
        })
    });
    bench("try_run_anyhow", &|key, round| {
        Box::pin(async move {
            let failing = async move { Err(anyhow_error(gated(key, round).await)) };
            let result: anyhow::Result<u64> = SHARED_GROUP.try_run(key, failing).await;
            result.err().map(drop)
        })
    });
    bench("try_run_io", &|key, round| {
        Box::pin(async move {
            let failing = async move {
                let key = gated(key, round).await;
                Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no row {key}"),
                ))
            };
            let result: io::Result<u64> = SHARED_GROUP.try_run(key, failing).await;
            result.err().map(drop)
        })
    });
    bench("try_run_enum", &|key, round| {
        Box::pin(async move {
            let failing = async move { Err(RepoError::NotFound(gated(key, round).await)) };
            let result: Result<u64, RepoError> = SHARED_GROUP.try_run(key, failing).await;
            result.err().map(drop)
        })
    });
    group.finish();
}

/// One caller of the fan-out; `Some` when it received an error.
type Pending = std::pin::Pin<Box<dyn Future<Output = Option<()>>>>;

fn fan_out(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    keys: &mut RangeFrom<u64>,
    call: &dyn Fn(u64, Arc<Round>) -> Pending,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    let key = keys.next().expect("an endless range");
                    let round = Round::new(IN_TASK);
                    let start = Instant::now();
                    let mut pending: FuturesUnordered<_> = (0..IN_TASK)
                        .map(|_| arrive(round.clone(), call(key, round.clone())))
                        .collect();
                    while let Some(failed) = pending.next().await {
                        assert!(failed.is_some(), "every caller receives the error");
                    }
                    elapsed += start.elapsed();
                    // The floor runs no body; everyone else runs exactly one.
                    assert!(round.executions() <= 1, "one execution per flight");
                }
                elapsed / u32::try_from(IN_TASK).expect("a small fan-out")
            })
        });
    });
}

criterion_group!(benches, uncontended, shared_failure);
criterion_main!(benches);
