//! Real processes: this test binary runs itself as replica processes, each
//! with its own connection and its own callers, and counts the executions
//! in Redis, where every process sees the same counter.
//!
//! The replica's side is the test `processes::replica`: the parent starts
//! it with `--exact processes::replica` and says what to do in
//! `COALESCE_FLEET_REPLICA`. In an ordinary run that variable is absent
//! and the test returns at once, passing.
//!
//! The parent and a replica talk over pipes: the replica prints lines that
//! say `replica: ` (libtest's own output is skipped), and waits for
//! `go` on its stdin, so no process starts its callers before all are
//! connected.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use coalesce::Group;
use futures::future::join_all;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use crate::setup::{self, Setup};
use crate::support::{within, Arrivals};

/// The replica processes of the coalescing tests.
const REPLICAS: usize = 4;
/// Concurrent callers of the one key in each replica.
const CALLERS: usize = 25;
/// The variable that makes `replica` run: `<url> <namespace> <mode>`.
const REPLICA_ENV: &str = "COALESCE_FLEET_REPLICA";
/// The function every replica runs, its key, and the execution counter.
const NAME: &str = "processes::cold";
const KEY: &str = "cold";
const EXECUTIONS: &str = "executions";
/// The lease of the replica that dies while it leads.
const SHORT_LEASE: Duration = Duration::from_millis(500);

#[tokio::test(flavor = "multi_thread")]
async fn replica_processes_share_one_execution() {
    let Some(setup) = Setup::start("processes-fleet") else {
        return;
    };
    let lines = run_replicas(&setup, "fleet").await;

    let values = results(&lines);
    assert_eq!(values.len(), REPLICAS * CALLERS, "{lines:#?}");
    assert!(
        values.iter().all(|value| *value == values[0]),
        "every caller in every process got the one value: {values:#?}"
    );
    let mut redis = setup.redis().await;
    assert_eq!(setup::count(&mut redis, EXECUTIONS).await, 1);
    let led: u64 = stat(&lines, "led").iter().sum();
    let received: u64 = stat(&lines, "received").iter().sum();
    assert_eq!((led, received), (1, REPLICAS as u64 - 1), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn replica_processes_without_a_fleet_each_run_the_body() {
    let Some(setup) = Setup::start("processes-local") else {
        return;
    };
    let lines = run_replicas(&setup, "local").await;

    let mut values = results(&lines);
    assert_eq!(values.len(), REPLICAS * CALLERS, "{lines:#?}");
    values.sort();
    values.dedup();
    assert_eq!(values.len(), REPLICAS, "one value per process: {values:#?}");
    let mut redis = setup.redis().await;
    assert_eq!(setup::count(&mut redis, EXECUTIONS).await, REPLICAS as u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_killed_while_it_leads_is_replaced_once_its_lease_expires() {
    let Some(setup) = Setup::start("processes-sigkill") else {
        return;
    };
    let mut doomed = Replica::spawn(&setup, "lead-and-block");
    doomed.expect("ready").await;
    doomed.go();
    doomed.expect("leading").await;

    // This process is the other replica: it waits on the doomed one.
    let survivor = setup.replica(SHORT_LEASE).await;
    let group = Group::<String, String>::new();
    let mut redis = setup.redis().await;
    let call = group.run_fleet(&survivor, NAME, KEY.to_owned(), async {
        let execution = setup::incr(&mut redis, EXECUTIONS).await;
        format!("execution {execution} by the survivor")
    });
    let kill_once_waiting = async {
        setup.waiting_replicas(1).await;
        doomed.kill();
    };
    let (value, ()) = within(async { tokio::join!(call, kill_once_waiting) }).await;

    assert_eq!(value, "execution 2 by the survivor");
    let mut redis = setup.redis().await;
    assert_eq!(setup::count(&mut redis, EXECUTIONS).await, 2);
    assert_eq!(survivor.stats().led, 1, "{}", survivor.stats());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_waiting_on_a_dead_leader_takes_its_successors_value() {
    // Two replicas wait on a leader that dies. `quick` notices the expired
    // lease first (a short redis_timeout) and runs the body; `patient`
    // (a long one) is still waiting, and hears `quick`'s value published on
    // the key's channel while its call is in flight: it must return it, not
    // run the body a third time.
    let Some(setup) = Setup::start("processes-successor") else {
        return;
    };
    let mut doomed = Replica::spawn(&setup, "lead-and-block");
    doomed.expect("ready").await;
    doomed.go();
    doomed.expect("leading").await;

    let patient = within(
        coalesce::Fleet::builder(setup.url())
            .namespace(setup.namespace.clone())
            .lease(SHORT_LEASE)
            .redis_timeout(Duration::from_secs(3))
            .connect(),
    )
    .await
    .expect("patient connects");
    let quick = setup.replica(SHORT_LEASE).await;
    let (group_patient, group_quick) = (
        Group::<String, String>::new(),
        Group::<String, String>::new(),
    );
    let (mut redis_patient, mut redis_quick) = (setup.redis().await, setup.redis().await);
    let patient_call = group_patient.run_fleet(&patient, NAME, KEY.to_owned(), async {
        let execution = setup::incr(&mut redis_patient, EXECUTIONS).await;
        format!("execution {execution} by patient")
    });
    let quick_call = group_quick.run_fleet(&quick, NAME, KEY.to_owned(), async {
        let execution = setup::incr(&mut redis_quick, EXECUTIONS).await;
        format!("execution {execution} by quick")
    });
    let kill_once_both_wait = async {
        setup.waiting_replicas(2).await;
        doomed.kill();
    };
    let (patient_value, quick_value, ()) =
        within(async { tokio::join!(patient_call, quick_call, kill_once_both_wait) }).await;

    assert_eq!(quick_value, "execution 2 by quick");
    assert_eq!(
        patient_value,
        quick_value,
        "patient ignored the flight that finished while it waited (patient: {}; quick: {})",
        patient.stats(),
        quick.stats()
    );
    let mut redis = setup.redis().await;
    assert_eq!(setup::count(&mut redis, EXECUTIONS).await, 2);
}

/// Starts the replicas in `mode`, lets them go together, and returns the
/// lines they printed.
async fn run_replicas(setup: &Setup, mode: &str) -> Vec<String> {
    let mut replicas: Vec<Replica> = (0..REPLICAS).map(|_| Replica::spawn(setup, mode)).collect();
    for replica in &mut replicas {
        replica.expect("ready").await;
    }
    for replica in &mut replicas {
        replica.go();
    }
    let mut lines = Vec::new();
    for replica in replicas {
        lines.extend(replica.finish().await);
    }
    lines
}

/// The values the callers of every replica returned.
fn results(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|line| line.strip_prefix("result "))
        .map(str::to_owned)
        .collect()
}

/// One fleet counter as each replica printed it.
fn stat(lines: &[String], name: &str) -> Vec<u64> {
    let prefix = format!("stat {name} ");
    lines
        .iter()
        .filter_map(|line| line.strip_prefix(&prefix))
        .map(|count| count.parse().expect("a count"))
        .collect()
}

/// A replica process seen from the parent, killed when dropped.
struct Replica {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: UnboundedReceiver<String>,
}

impl Replica {
    fn spawn(setup: &Setup, mode: &str) -> Replica {
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "--exact",
                "processes::replica",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(
                REPLICA_ENV,
                format!("{} {} {mode}", setup.url(), setup.namespace),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the test binary runs as a replica");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // libtest's "test processes::replica ... " may start the line.
                if let Some((_, said)) = line.split_once("replica: ") {
                    if sender.send(said.to_owned()).is_err() {
                        break;
                    }
                }
            }
        });
        Replica {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// Waits for the replica to print `line`.
    async fn expect(&mut self, expected: &str) {
        let line = within(self.lines.recv()).await;
        assert_eq!(
            line.as_deref(),
            Some(expected),
            "replica {} said something else",
            self.child.id()
        );
    }

    fn go(&mut self) {
        let stdin = self.stdin.as_mut().expect("stdin is piped");
        stdin
            .write_all(b"go\n")
            .and_then(|()| stdin.flush())
            .expect("the replica reads its stdin");
    }

    /// Every line the replica prints until it exits, which it must do
    /// successfully.
    async fn finish(mut self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(line) = within(self.lines.recv()).await {
            lines.push(line);
        }
        let status = within(async {
            loop {
                // The replica closed its stdout: it is exiting.
                if let Some(status) = self.child.try_wait().expect("the replica's status") {
                    return status;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(status.success(), "replica failed ({status}): {lines:#?}");
        lines
    }

    /// SIGKILL: the process dies without releasing anything.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The replica process's side; returns at once unless `COALESCE_FLEET_REPLICA`
/// says it runs as one (see the module's docs).
#[tokio::test(flavor = "multi_thread")]
async fn replica() {
    let Ok(task) = std::env::var(REPLICA_ENV) else {
        return;
    };
    let mut task = task.split(' ');
    let (Some(url), Some(namespace), Some(mode)) = (task.next(), task.next(), task.next()) else {
        panic!("{REPLICA_ENV} is `<url> <namespace> <mode>`");
    };
    match mode {
        "fleet" | "local" => run_callers(url, namespace, mode == "fleet").await,
        "lead-and-block" => lead_and_block(url, namespace).await,
        _ => panic!("unknown replica mode {mode}"),
    }
}

/// `CALLERS` concurrent calls of one key, through the fleet or only the
/// local group. The body counts itself in Redis and holds on until all the
/// local callers joined and, with a fleet, every other replica waits.
async fn run_callers(url: &str, namespace: &str, fleet: bool) {
    let fleet = match fleet {
        true => Some(setup::replica(url, namespace, setup::LONG_LEASE).await),
        false => None,
    };
    let redis = setup::redis(url).await;
    println!("replica: ready");
    wait_for_go().await;

    let group = Group::<String, String>::new();
    let arrivals = Arrivals::new();
    let body = || {
        let (mut redis, arrivals, fleet) = (redis.clone(), &arrivals, fleet.is_some());
        async move {
            let execution = setup::incr(&mut redis, EXECUTIONS).await;
            arrivals.wait_for(CALLERS).await;
            if fleet {
                setup::waiting_replicas(url, namespace, REPLICAS - 1).await;
            }
            format!("execution {execution} in process {}", std::process::id())
        }
    };
    let calls = (0..CALLERS).map(|_| {
        let call = async {
            match &fleet {
                Some(fleet) => group.run_fleet(fleet, NAME, KEY.to_owned(), body()).await,
                None => group.run(KEY.to_owned(), body()).await,
            }
        };
        arrivals.track(call)
    });
    let values = within(join_all(calls)).await;
    for value in values {
        println!("replica: result {value}");
    }
    if let Some(fleet) = &fleet {
        let stats = fleet.stats();
        println!("replica: stat led {}", stats.led);
        println!("replica: stat received {}", stats.received);
    }
}

/// Leads the key's flight and never finishes: the parent kills this process
/// while it holds the lease. Its body ends (in a panic) only if the parent
/// went away without killing it, so no replica outlives its test.
async fn lead_and_block(url: &str, namespace: &str) {
    let fleet = setup::replica(url, namespace, SHORT_LEASE).await;
    let mut redis = setup::redis(url).await;
    println!("replica: ready");
    wait_for_go().await;
    let group = Group::<String, String>::new();
    group
        .run_fleet(&fleet, NAME, KEY.to_owned(), async {
            setup::incr(&mut redis, EXECUTIONS).await;
            println!("replica: leading");
            let _ = tokio::task::spawn_blocking(read_line).await;
            panic!("the parent went away without killing this replica")
        })
        .await;
}

/// Waits for the parent's `go`.
async fn wait_for_go() {
    let line = within(tokio::task::spawn_blocking(read_line))
        .await
        .expect("reading stdin");
    assert_eq!(line.trim(), "go", "the parent says go");
}

fn read_line() -> String {
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line
}
