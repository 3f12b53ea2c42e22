//! A real `redis-server` for the fleet tests: one process per test, on a
//! free loopback port, with no persistence and a directory of its own.
//!
//! Without `redis-server` on `PATH`, [`RedisServer::start`] returns `None`
//! and says so on the process's own stderr, which libtest does not capture:
//! `cargo test` shows which tests did not run. With `COALESCE_REQUIRE_REDIS`
//! set (`.ci/run` sets it) it panics instead, so CI cannot skip them.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use super::DEADLINE;

/// The line `redis-server` logs once it serves clients.
const READY: &str = "Ready to accept connections";

/// How to get the server these tests need, in every message about it.
const INSTALL: &str =
    "install redis-server (apt-get install redis-server) or run .ci/run to run them";

/// A `redis-server` child process, killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
}

impl RedisServer {
    /// Starts a server and waits until it accepts connections; `None` (after
    /// saying so on stderr) when `redis-server` is not installed.
    ///
    /// # Panics
    ///
    /// When `redis-server` is missing and `COALESCE_REQUIRE_REDIS` is set, or
    /// when it does not start before [`DEADLINE`].
    pub fn start() -> Option<RedisServer> {
        if !on_path("redis-server") {
            skip();
            return None;
        }
        let port = free_port();
        let dir = TempDir::new();
        let mut server = RedisServer {
            child: None,
            port,
            dir,
        };
        server.spawn();
        Some(server)
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server with SIGKILL and waits for it to be gone: clients
    /// see their connections reset, as when a Redis host dies.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing is
    /// answered, as when Redis's host is partitioned away.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a [`pause`](Self::pause)d server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("the server runs");
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .expect("kill(1) runs");
        assert!(status.success(), "kill {signal} {}", child.id());
    }

    /// Starts the server again on the same port, empty, and waits until it
    /// accepts connections.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    fn spawn(&mut self) {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is on PATH but could not be started");
        let stdout = child.stdout.take().expect("stdout is piped");
        self.child = Some(child);
        wait_ready(stdout, self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads the server's log on a thread until it says it is ready, then
/// keeps draining it so the server never blocks on a full pipe.
fn wait_ready(stdout: std::process::ChildStdout, port: u16) {
    let (ready, is_ready) = mpsc::channel();
    std::thread::spawn(move || {
        let mut log = Vec::new();
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if line.contains(READY) {
                let _ = ready.send(Ok(()));
                // Drained to the end, so the pipe never fills.
                lines.for_each(drop);
                return;
            }
            log.push(line);
        }
        let _ = ready.send(Err(log.join("\n")));
    });
    let started = Instant::now();
    let log = is_ready.recv_timeout(DEADLINE).unwrap_or_else(|timeout| {
        panic!(
            "redis-server on port {port} was not ready after {:?} ({timeout})",
            started.elapsed()
        )
    });
    if let Err(log) = log {
        panic!("redis-server on port {port} exited before it was ready:\n{log}");
    }
}

/// A loopback port nobody listens on: the OS picks it, and it is free again
/// once the listener is dropped.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program)))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Says that the current test is skipped, or panics when Redis is required.
fn skip() {
    assert!(
        std::env::var_os("COALESCE_REQUIRE_REDIS").is_none_or(|value| value.is_empty()),
        "COALESCE_REQUIRE_REDIS is set but redis-server is not on PATH: \
         install it (apt-get install redis-server) or unset COALESCE_REQUIRE_REDIS"
    );
    // libtest names each test's thread after the test.
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => format!("fleet::{name}"),
        _ => "a fleet test".to_owned(),
    };
    loud(&format!(
        "SKIPPED (no redis-server on PATH): {test} — {INSTALL}"
    ));
}

/// Writes a line past libtest's capture, so `cargo test` shows it even for
/// a passing test: libtest captures `print!` and `eprint!` (and shows what
/// they wrote only for a failure), not writes to the process's stderr itself.
fn loud(line: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(format!("\n{line}\n").as_bytes());
}

/// A directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let name = format!(
            "coalesce-redis-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).expect("a temporary directory for redis-server");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
