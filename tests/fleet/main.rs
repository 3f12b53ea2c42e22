//! Coalescing across processes over a real Redis, one module per promise of
//! DESIGN.md's "Across a fleet": one execution per key for every replica,
//! followers woken by a message, a dead or departed leader replaced, and
//! local execution when Redis cannot help.
//!
//! A "replica" is a `Fleet` with a `Group` of its own: two in one process
//! share nothing but the Redis, as two processes would (`processes` runs
//! real ones). Every test starts its own `redis-server`; without one on
//! `PATH` each test says it was skipped and passes, unless
//! `COALESCE_REQUIRE_REDIS` is set (as `.ci/run` does).

#[path = "../support/mod.rs"]
mod support;

mod setup;

mod coalescing;
mod connect;
mod fail_open;
mod leader_gone;
mod panics;
mod processes;
mod reconnect;
mod renewal;
mod runtimes;

use support::redis_server::RedisServer;

/// Starts a server when one is installed (or says loudly that the fleet
/// tests are skipped), so a run without Redis cannot look like a pass.
#[test]
fn redis_server_present_or_skipped() {
    if let Some(server) = RedisServer::start() {
        assert!(server.url().starts_with("redis://127.0.0.1:"));
    }
}
