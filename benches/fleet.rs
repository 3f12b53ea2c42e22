//! Coalescing across processes over Redis (the `fleet` feature): what a
//! flight costs the replica that leads it, and how soon a waiting replica
//! wakes once the leader's body returns, in Redis round trips, against the
//! polling singleflight other crates build on Redis.
//!
//! ```text
//! cargo bench --bench fleet --all-features      # about 1 minute
//! ```
//!
//! It starts its own `redis-server` on a free loopback port (no persistence,
//! a temporary directory) and stops it at the end; without `redis-server` on
//! the `PATH` it says so and exits successfully. Everything runs on one
//! tokio multi-thread runtime with 2 workers; the "replicas" are separate
//! [`Fleet`] handles, each with its own connection and its own [`Group`], in
//! this one process. Under `cargo test --benches` (no `--bench` argument)
//! it makes a smoke run of a few iterations of each measurement.
//!
//! Not criterion: the figures are latency percentiles of single events (a
//! wake-up), which criterion's mean-of-batches model does not report. Results
//! and analysis: `BENCHMARKS.md`, section "Fleet".

use std::future::Future;
use std::hint::black_box;
use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coalesce::{Fleet, Group};
use redis::aio::MultiplexedConnection;
use tokio::sync::oneshot;

/// How many of each measurement: the full run, or the smoke run of tests.
struct Sizes {
    pings: usize,
    leader_calls: usize,
    wake_rounds: usize,
    polling_rounds: usize,
}

const FULL: Sizes = Sizes {
    pings: 2_000,
    leader_calls: 2_000,
    wake_rounds: 300,
    polling_rounds: 300,
};

const SMOKE: Sizes = Sizes {
    pings: 20,
    leader_calls: 10,
    wake_rounds: 3,
    polling_rounds: 2,
};

/// How long the harness lets a waiting fleet follower settle after it has
/// subscribed, before the leader's body is released: it covers the
/// follower's second acquire (one round trip), which follows its `SUBSCRIBE`.
const SETTLE: Duration = Duration::from_millis(5);

/// The polling baselines' intervals.
const INTERVALS: [Duration; 2] = [Duration::from_millis(50), Duration::from_millis(100)];

/// The fleets' settings: the default lease, and a Redis timeout generous
/// enough that a loaded machine does not make a flight fail open.
const LEASE: Duration = Duration::from_secs(5);
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
const NAMESPACE: &str = "bench";

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let sizes = if full { &FULL } else { &SMOKE };
    let Some(server) = RedisServer::start() else {
        println!("fleet bench: skipped, `redis-server` is not on the PATH");
        return;
    };
    // `FLEET_BENCH_RUNTIME=current_thread`: everything on one thread, to
    // tell the protocol's round trips from cross-thread wake-ups.
    let current_thread = std::env::var("FLEET_BENCH_RUNTIME").is_ok_and(|v| v == "current_thread");
    let runtime = if current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2);
        builder
    }
    .enable_all()
    .build()
    .expect("a tokio runtime");
    let url = server.url();
    let report = runtime.block_on(async move {
        // In a spawned task, as a service's handler runs, not on the
        // thread that blocks on the runtime.
        tokio::spawn(measure(url, sizes))
            .await
            .expect("the measurements")
    });
    drop(runtime);
    drop(server);
    report.print(full, current_thread);
}

/// Every figure of one run, in µs.
struct Report {
    version: String,
    ping: Vec<f64>,
    idle_ping: Vec<f64>,
    leader_fleet: Vec<f64>,
    leader_local: Vec<f64>,
    wake_fleet: Vec<f64>,
    wake_polling: Vec<(Duration, Vec<f64>)>,
    wake_local: Vec<f64>,
}

async fn measure(url: String, sizes: &'static Sizes) -> Report {
    let client = redis::Client::open(url.as_str()).expect("a Redis URL");
    let mut probe = client
        .get_multiplexed_async_connection()
        .await
        .expect("a connection to the bench's redis-server");
    let version = redis_version(&mut probe).await;

    let ping = round_trips(&mut probe, sizes.pings).await;
    let idle_ping = idle_round_trips(&mut probe, sizes.wake_rounds).await;

    let fleet_a = connect(&url).await;
    let fleet_b = connect(&url).await;
    let (leader_fleet, leader_local) = leader_cost(&fleet_a, sizes.leader_calls).await;
    let wake_fleet = fleet_wake(&fleet_a, &fleet_b, &mut probe, sizes.wake_rounds).await;

    let mut wake_polling = Vec::new();
    for (run, interval) in INTERVALS.into_iter().enumerate() {
        let leader = Polling::connect(&client, interval).await;
        let follower = Polling::connect(&client, interval).await;
        let seed = 0x9E37_79B9_7F4A_7C15 ^ run as u64;
        let times = polling_wake(leader, follower, sizes.polling_rounds, seed).await;
        wake_polling.push((interval, times));
    }

    let wake_local = local_wake(sizes.wake_rounds).await;
    Report {
        version,
        ping,
        idle_ping,
        leader_fleet,
        leader_local,
        wake_fleet,
        wake_polling,
        wake_local,
    }
}

async fn connect(url: &str) -> Fleet {
    Fleet::builder(url)
        .namespace(NAMESPACE)
        .lease(LEASE)
        .redis_timeout(REDIS_TIMEOUT)
        .connect()
        .await
        .expect("a fleet on the bench's redis-server")
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// Measurement 1: the unit: `PING` on a multiplexed connection, one at a time.
async fn round_trips(connection: &mut MultiplexedConnection, pings: usize) -> Vec<f64> {
    let ping = || redis::cmd("PING");
    for _ in 0..pings.min(200) {
        let _: String = ping().query_async(connection).await.expect("PONG");
    }
    let mut times = Vec::with_capacity(pings);
    for _ in 0..pings {
        let start = Instant::now();
        let _: String = ping().query_async(connection).await.expect("PONG");
        times.push(micros(start.elapsed()));
    }
    times
}

/// Measurement 1b: the same after the idleness that precedes each wake-up
/// below (`SETTLE`): back-to-back pings keep the runtime's threads and Redis
/// awake, while a round trip that starts from sleep also pays the wake-ups of
/// the threads on both sides, as the leader's finishing script does.
async fn idle_round_trips(connection: &mut MultiplexedConnection, pings: usize) -> Vec<f64> {
    let mut times = Vec::with_capacity(pings);
    for _ in 0..pings {
        tokio::time::sleep(SETTLE).await;
        let start = Instant::now();
        let _: String = redis::cmd("PING")
            .query_async(connection)
            .await
            .expect("PONG");
        times.push(micros(start.elapsed()));
    }
    times
}

/// Measurement 2: one caller at a time on a fresh key, so every call leads: through the
/// fleet, then local-only, alternating so both see the same machine.
async fn leader_cost(fleet: &Fleet, calls: usize) -> (Vec<f64>, Vec<f64>) {
    let fleet_group: Group<u64, u64> = Group::new();
    let local_group: Group<u64, u64> = Group::new();
    let body = |key: u64| async move { black_box(key) };
    // Warm-up: the first calls load the scripts into Redis.
    for key in 0..(calls as u64).min(100) {
        fleet_group
            .run_fleet(fleet, "leader-warmup", key, body(key))
            .await;
    }
    let led = fleet.stats().led;
    let (mut through_fleet, mut local) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
    for key in 0..calls as u64 {
        let start = Instant::now();
        let value = fleet_group.run_fleet(fleet, "leader", key, body(key)).await;
        through_fleet.push(micros(start.elapsed()));
        assert_eq!(value, key);

        let start = Instant::now();
        let value = local_group.run(key, body(key)).await;
        local.push(micros(start.elapsed()));
        assert_eq!(value, key);
    }
    let stats = fleet.stats();
    assert_eq!(
        stats.led - led,
        calls as u64,
        "every uncontended call must lead ({stats})"
    );
    (through_fleet, local)
}

/// When a round's leader body returned, written by the body.
type Stamp = Arc<Mutex<Option<Instant>>>;

/// A body that waits for `release`, notes when it returns, and returns `key`.
async fn gated(key: u64, release: oneshot::Receiver<()>, returned: Stamp) -> u64 {
    release.await.expect("the harness releases the body");
    *returned.lock().unwrap() = Some(Instant::now());
    key
}

/// Measurement 3: one key per round: replica A leads with a gated body; replica B's call
/// is started and waits on the key's channel; the body is released. The
/// latency runs from the moment A's body returns its value to the moment
/// B's call returns it.
async fn fleet_wake(
    fleet_a: &Fleet,
    fleet_b: &Fleet,
    probe: &mut MultiplexedConnection,
    rounds: usize,
) -> Vec<f64> {
    let group_a: &'static Group<u64, u64> = Box::leak(Box::new(Group::new()));
    let group_b: &'static Group<u64, u64> = Box::leak(Box::new(Group::new()));
    let before = fleet_b.stats();
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds as u64 {
        // Keys unused by the leader measurement.
        let key = 1_000_000 + round;
        let channel = format!("{NAMESPACE}:{{wake:{key}}}");
        let (release, gate) = oneshot::channel();
        let returned = Stamp::default();
        let leader = {
            let (fleet, returned) = (fleet_a.clone(), Arc::clone(&returned));
            tokio::spawn(async move {
                group_a
                    .run_fleet(&fleet, "wake", key, gated(key, gate, returned))
                    .await
            })
        };
        // A holds the lease once it exists.
        wait_until(
            probe,
            redis::cmd("EXISTS").arg(format!("{channel}:lease")),
            1,
        )
        .await;
        let follower = {
            let fleet = fleet_b.clone();
            tokio::spawn(async move {
                // Runs only if B did not get A's value.
                let value = group_b
                    .run_fleet(&fleet, "wake", key, async move { key + 1 })
                    .await;
                (value, Instant::now())
            })
        };
        // B has subscribed once Redis counts a subscriber on the channel;
        // its second acquire (one round trip) follows, hence the settle.
        wait_until(probe, redis::cmd("PUBSUB").arg("NUMSUB").arg(&channel), 1).await;
        tokio::time::sleep(SETTLE).await;
        release.send(()).expect("the leader's body waits");
        let (value, woke) = follower.await.expect("replica B's call");
        assert_eq!(leader.await.expect("replica A's call"), key);
        assert_eq!(value, key, "replica B must return replica A's value");
        let returned = returned.lock().unwrap().expect("the body returned");
        times.push(micros(woke.duration_since(returned)));
    }
    let after = fleet_b.stats();
    assert_eq!(
        after.received - before.received,
        rounds as u64,
        "replica B must receive every round's value ({after})"
    );
    times
}

/// Polls `query` every 200 µs until it answers `want`: an integer reply, or
/// the second element of a `PUBSUB NUMSUB` reply.
async fn wait_until(probe: &mut MultiplexedConnection, query: &mut redis::Cmd, want: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply: redis::Value = query.query_async(probe).await.expect("a probe reply");
        let count = match reply {
            redis::Value::Int(count) => count,
            redis::Value::Array(parts) => match parts.as_slice() {
                [_, redis::Value::Int(count)] => *count,
                _ => panic!("an unexpected NUMSUB reply: {parts:?}"),
            },
            other => panic!("an unexpected probe reply: {other:?}"),
        };
        if count >= want {
            return;
        }
        assert!(Instant::now() < deadline, "{query:?} never reached {want}");
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

// ---------------------------------------------------------------------------
// BASELINE, not coalesce: the polling singleflight other crates build on
// Redis, as small as it gets. The leader takes a lock with `SET NX PX`, runs
// the body, stores the result with `SET PX` and deletes the lock; a follower
// whose `SET NX` failed reads the result with `GET` every `interval` until
// it is there. (A real one also takes over when the lock expires without a
// result; no round here needs it.)
// ---------------------------------------------------------------------------

/// One replica of the polling baseline: its own connection.
struct Polling {
    connection: MultiplexedConnection,
    interval: Duration,
}

impl Polling {
    async fn connect(client: &redis::Client, interval: Duration) -> Self {
        let connection = client
            .get_multiplexed_async_connection()
            .await
            .expect("a connection for the polling baseline");
        Self {
            connection,
            interval,
        }
    }

    /// Runs `body` holding `key`'s lock, or polls for the holder's result.
    /// `waiting` is told when this call found the lock taken.
    async fn run<F>(&mut self, key: &str, body: F, waiting: oneshot::Sender<()>) -> u64
    where
        F: Future<Output = u64>,
    {
        let (lock, result) = (format!("{key}:lock"), format!("{key}:result"));
        let lease_ms = LEASE.as_millis() as u64;
        let taken: Option<String> = redis::cmd("SET")
            .arg(&lock)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(lease_ms)
            .query_async(&mut self.connection)
            .await
            .expect("SET NX");
        if taken.is_some() {
            let value = body.await;
            let _: () = redis::cmd("SET")
                .arg(&result)
                .arg(value)
                .arg("PX")
                .arg(lease_ms)
                .query_async(&mut self.connection)
                .await
                .expect("SET result");
            let _: () = redis::cmd("DEL")
                .arg(&lock)
                .query_async(&mut self.connection)
                .await
                .expect("DEL lock");
            return value;
        }
        let _ = waiting.send(());
        loop {
            tokio::time::sleep(self.interval).await;
            let stored: Option<u64> = redis::cmd("GET")
                .arg(&result)
                .query_async(&mut self.connection)
                .await
                .expect("GET result");
            if let Some(value) = stored {
                return value;
            }
        }
    }
}

/// Measurement 4: as [`fleet_wake`], for the polling baseline: the follower says when
/// its `SET NX` failed, and the body is released after a settle plus a
/// random part of one interval, so that the result lands at a random phase
/// of the follower's polling (as it would in production).
async fn polling_wake(
    mut leader: Polling,
    mut follower: Polling,
    rounds: usize,
    mut seed: u64,
) -> Vec<f64> {
    let interval = leader.interval;
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let key = format!("{NAMESPACE}:polling:{}:{round}", interval.as_millis());
        let (release, gate) = oneshot::channel();
        // The leader never finds the lock taken; nobody listens.
        let (taken, _) = oneshot::channel();
        let returned = Stamp::default();
        let leader_call = {
            let (key, returned) = (key.clone(), Arc::clone(&returned));
            tokio::spawn(async move {
                let value = leader.run(&key, gated(7, gate, returned), taken).await;
                (leader, value)
            })
        };
        // The leader holds the lock once it exists: wait for it as for A's lease.
        let mut probe = follower.connection.clone();
        wait_until(
            &mut probe,
            redis::cmd("EXISTS").arg(format!("{key}:lock")),
            1,
        )
        .await;
        let (waiting, is_waiting) = oneshot::channel();
        let follower_call = tokio::spawn(async move {
            let value = follower.run(&key, async { 8 }, waiting).await;
            (follower, value, Instant::now())
        });
        is_waiting.await.expect("the follower found the lock taken");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let phase = interval.mul_f64((seed >> 11) as f64 / (1_u64 << 53) as f64);
        tokio::time::sleep(SETTLE + phase).await;
        release.send(()).expect("the leader's body waits");
        let (back, value, woke) = follower_call.await.expect("the polling follower");
        follower = back;
        let (back, led) = leader_call.await.expect("the polling leader");
        leader = back;
        assert_eq!(
            (led, value),
            (7, 7),
            "the follower must return the leader's value"
        );
        let returned = returned.lock().unwrap().expect("the body returned");
        times.push(micros(woke.duration_since(returned)));
    }
    times
}

/// Measurement 5: for reference, the same round within one process: a follower of
/// `Group::run` on another task, woken by the leader's task.
async fn local_wake(rounds: usize) -> Vec<f64> {
    let group: &'static Group<u64, u64> = Box::leak(Box::new(Group::new()));
    let mut times = Vec::with_capacity(rounds);
    for key in 0..rounds as u64 {
        let (release, gate) = oneshot::channel();
        let returned = Stamp::default();
        let leader = tokio::spawn(group.run(key, gated(key, gate, Arc::clone(&returned))));
        while !group.is_in_flight(&key) {
            tokio::task::yield_now().await;
        }
        // A call is counted when it joins the flight.
        let calls = group.stats().calls;
        let follower = tokio::spawn(async move {
            let value = group.run(key, async move { key + 1 }).await;
            (value, Instant::now())
        });
        while group.stats().calls == calls {
            tokio::task::yield_now().await;
        }
        // The follower's first poll has returned by now, or nearly: give it
        // the same settle as the fleet's.
        tokio::time::sleep(SETTLE).await;
        release.send(()).expect("the leader's body waits");
        let (value, woke) = follower.await.expect("the local follower");
        assert_eq!((leader.await.expect("the local leader"), value), (key, key));
        let returned = returned.lock().unwrap().expect("the body returned");
        times.push(micros(woke.duration_since(returned)));
    }
    times
}

async fn redis_version(connection: &mut MultiplexedConnection) -> String {
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(connection)
        .await
        .expect("INFO server");
    info.lines()
        .find_map(|line| line.strip_prefix("redis_version:"))
        .unwrap_or("unknown")
        .trim()
        .to_owned()
}

/// The `q` quantile (nearest rank) of `samples`.
fn quantile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

impl Report {
    fn print(&self, full: bool, current_thread: bool) {
        let rtt = quantile(&self.ping, 0.5);
        let mode = if full {
            "full run"
        } else {
            "smoke run (cargo bench --bench fleet --all-features for figures)"
        };
        let runtime = if current_thread {
            "current-thread runtime"
        } else {
            "multi-thread runtime (2 workers)"
        };
        println!(
            "\nfleet bench, {mode}: redis-server {} on loopback, tokio {runtime}",
            self.version
        );
        println!("round trip (RTT) = PING p50 = {rtt:.1} µs\n");
        println!("| measurement | n | p50 µs | p99 µs | p50 RTT | p99 RTT |");
        println!("|---|---:|---:|---:|---:|---:|");
        let row = |name: &str, samples: &[f64]| {
            let (p50, p99) = (quantile(samples, 0.5), quantile(samples, 0.99));
            println!(
                "| {name} | {} | {p50:.1} | {p99:.1} | {:.2} | {:.2} |",
                samples.len(),
                p50 / rtt,
                p99 / rtt
            );
        };
        row("1. Redis round trip, PING", &self.ping);
        row("1b. PING after 5 ms idle", &self.idle_ping);
        row("2. leader, `run_fleet`, uncontended", &self.leader_fleet);
        row("2. leader, `Group::run` local-only", &self.leader_local);
        row("3. follower wake, fleet (pub/sub)", &self.wake_fleet);
        for (interval, times) in &self.wake_polling {
            row(
                &format!(
                    "4. follower wake, polling every {} ms",
                    interval.as_millis()
                ),
                times,
            );
        }
        row("5. follower wake, local `Group::run`", &self.wake_local);

        let added = |q| quantile(&self.leader_fleet, q) - quantile(&self.leader_local, q);
        println!(
            "\nleader: run_fleet adds {:.1} µs = {:.2} RTT at p50, {:.1} µs = {:.2} RTT at p99 (p99 RTT {:.1} µs)",
            added(0.5),
            added(0.5) / rtt,
            added(0.99),
            added(0.99) / rtt,
            quantile(&self.ping, 0.99),
        );
        let wake = quantile(&self.wake_fleet, 0.5);
        let idle = quantile(&self.idle_ping, 0.5);
        println!(
            "follower wake p50: {:.2} RTT (target: within 2); {:.2} idle round trips ({idle:.1} µs)",
            wake / rtt,
            wake / idle
        );
        for (interval, times) in &self.wake_polling {
            println!(
                "polling every {} ms: wake p50 {:.0}x the fleet's, p99 {:.0}x",
                interval.as_millis(),
                quantile(times, 0.5) / wake,
                quantile(times, 0.99) / quantile(&self.wake_fleet, 0.99),
            );
        }
    }
}

/// A `redis-server` of the bench's own, on a free loopback port, without
/// persistence, in a temporary directory; stopped when dropped.
struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// `None` when there is no `redis-server` to start.
    fn start() -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let dir = std::env::temp_dir().join(format!(
            "coalesce-fleet-bench-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_dir_all(&dir);
                return None;
            }
            Err(error) => panic!("redis-server did not start: {error}"),
        };
        let server = Self {
            port,
            dir,
            child: {
                let stdout = child.stdout.take().expect("redis-server's stdout");
                let (ready, is_ready) = mpsc::channel();
                // Reads the log to the end, so redis-server never blocks on it.
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).lines() {
                        let Ok(line) = line else { break };
                        if line.contains("Ready to accept connections") {
                            let _ = ready.send(());
                        }
                    }
                });
                if is_ready.recv_timeout(Duration::from_secs(10)).is_err() {
                    let _ = child.kill();
                    panic!("redis-server on port {port} was not ready within 10 s");
                }
                child
            },
        };
        Some(server)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
