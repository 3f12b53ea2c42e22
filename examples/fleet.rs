//! One execution per key across a fleet of replicas, over Redis.
//!
//! Starts four replica processes (this same program), each with 25
//! concurrent callers of one cold key, twice: coalescing within each process
//! only, then across the fleet. Each replica counts the executions of its
//! body, and the parent adds them up.
//!
//! ```text
//! cargo run --release --example fleet --features fleet                 # starts its own redis-server
//! cargo run --release --example fleet --features fleet -- redis://127.0.0.1:6379
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use coalesce::{coalesce, Fleet};
use serde::{Deserialize, Serialize};

const REPLICAS: usize = 4;
const CALLERS: usize = 25;

/// The upstream answer every caller wants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Price {
    sku: String,
    cents: u64,
    /// Which replica's body produced it.
    from_replica: usize,
}

static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);

/// The slow upstream call: 200 ms.
async fn fetch_price(sku: &str) -> Price {
    EXECUTIONS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let from_replica = std::env::var("REPLICA").map_or(0, |n| n.parse().unwrap_or(0));
    Price {
        sku: sku.to_owned(),
        cents: 1_299,
        from_replica,
    }
}

/// Coalesced within this process only.
#[coalesce(key = "sku")]
async fn price_here(sku: &str) -> Price {
    fetch_price(sku).await
}

/// Coalesced across every replica that shares the installed fleet's Redis.
#[coalesce(key = "sku", fleet)]
async fn price_fleet_wide(sku: &str) -> Price {
    fetch_price(sku).await
}

fn main() {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("replica") => {
            let (url, mode) = (args.next().unwrap(), args.next().unwrap());
            replica(&url, &mode);
        }
        url => parent(url),
    }
}

/// Runs the two rounds and prints what they cost.
fn parent(url: Option<&str>) {
    let (url, server) = match url {
        Some(url) => (url.to_owned(), None),
        None => {
            let server = RedisServer::start();
            (server.url.clone(), Some(server))
        }
    };
    println!(
        "{REPLICAS} replicas x {CALLERS} concurrent callers, one cold key, a 200 ms upstream call"
    );
    let started = if server.is_some() {
        " (a redis-server started for this example)"
    } else {
        ""
    };
    println!("Redis: {url}{started}\n");
    println!(
        "{:<22}{:>12}{:>14}{:>12}",
        "coalescing", "executions", "calls saved", "wall time"
    );
    for mode in ["local", "fleet"] {
        let round = Round::run(&url, mode);
        let label = if mode == "local" {
            "within each process"
        } else {
            "across the fleet"
        };
        println!(
            "{label:<22}{:>12}{:>14}{:>9} ms",
            round.executions,
            REPLICAS * CALLERS - round.executions,
            round.wall.as_millis()
        );
        if mode == "fleet" {
            println!("\nevery caller got {}", round.answers.join(", "));
        }
    }
}

/// One round: the replicas start, connect, then all call at once.
struct Round {
    executions: usize,
    answers: Vec<String>,
    wall: Duration,
}

impl Round {
    fn run(url: &str, mode: &str) -> Round {
        let exe = std::env::current_exe().expect("the example's own path");
        let mut replicas: Vec<(Child, ChildStdin, BufReader<ChildStdout>)> = (1..=REPLICAS)
            .map(|n| {
                let mut child = Command::new(&exe)
                    .args(["replica", url, mode])
                    .env("REPLICA", n.to_string())
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("start a replica");
                let stdin = child.stdin.take().unwrap();
                let stdout = BufReader::new(child.stdout.take().unwrap());
                (child, stdin, stdout)
            })
            .collect();
        // Each replica says "ready" once connected; then all start together.
        for (_, _, stdout) in &mut replicas {
            assert_eq!(read_line(stdout), "ready");
        }
        let start = Instant::now();
        for (_, stdin, _) in &mut replicas {
            writeln!(stdin, "go").unwrap();
        }
        let mut executions = 0;
        let mut answers = Vec::new();
        for (child, _, stdout) in &mut replicas {
            // "<executions> <answer>", once every caller of the replica returned.
            let line = read_line(stdout);
            let (count, answer) = line.split_once(' ').expect("a replica's report");
            executions += count.parse::<usize>().unwrap();
            if !answers.iter().any(|seen| seen == answer) {
                answers.push(answer.to_owned());
            }
            child.wait().unwrap();
        }
        Round {
            executions,
            answers,
            wall: start.elapsed(),
        }
    }
}

fn read_line(stdout: &mut impl BufRead) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a replica's output");
    line.trim_end().to_owned()
}

/// A replica: connects, waits for "go", runs its callers, reports.
#[tokio::main]
async fn replica(url: &str, mode: &str) {
    Fleet::connect(url)
        .await
        .expect("connect to Redis")
        .install();
    println!("ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    let calls = (0..CALLERS).map(|_| async {
        if mode == "fleet" {
            price_fleet_wide("sku-42").await
        } else {
            price_here("sku-42").await
        }
    });
    let prices = futures::future::join_all(calls).await;
    assert!(prices.windows(2).all(|pair| pair[0] == pair[1]));
    let answer = format!(
        "{} cents for {} (from replica {})",
        prices[0].cents, prices[0].sku, prices[0].from_replica
    );
    println!("{} {answer}", EXECUTIONS.load(Ordering::SeqCst));
}

/// A `redis-server` for this example, on a free loopback port, stopped on drop.
struct RedisServer {
    url: String,
    child: Child,
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!("No redis-server on PATH: install it (apt-get install redis-server), or pass a URL:");
            eprintln!(
                "  cargo run --release --example fleet --features fleet -- redis://127.0.0.1:6379"
            );
            std::process::exit(2);
        };
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("Ready to accept connections") {
            line.clear();
            let read = stdout.read_line(&mut line).expect("redis-server's output");
            assert!(read > 0, "redis-server exited before it was ready");
        }
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        RedisServer {
            url: format!("redis://127.0.0.1:{port}"),
            child,
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
