//! The [`Backend`] on Redis: one reconnecting connection (RESP3) carries the
//! scripts and the subscriptions, and its pushed messages are routed to the
//! inboxes of the flights that wait.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind, Value};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use super::backend::{Acquired, Backend, BoxFuture, Event, Inbox};
use super::keys::FlightKeys;
use super::scripts::Scripts;
use super::FleetError;

pub(super) struct RedisBackend {
    shared: Arc<Shared>,
    scripts: Scripts,
}

/// What the backend and its inboxes' drop guards share.
struct Shared {
    connection: ConnectionManager,
    routes: Arc<Routes>,
    /// Orders `SUBSCRIBE` and `UNSUBSCRIBE`, so that a channel left by one
    /// flight and joined by the next ends up subscribed.
    subscribing: tokio::sync::Mutex<()>,
    runtime: Handle,
    timeout: Duration,
}

impl RedisBackend {
    /// Connects and answers a first `PING` within `timeout`; `runtime`
    /// runs what the backend's drops cannot wait for. Returns the backend
    /// and the server's address, for messages.
    pub(super) async fn connect(
        url: &str,
        timeout: Duration,
        runtime: Handle,
    ) -> Result<(Self, String), FleetError> {
        let info = url
            .into_connection_info()
            .map_err(|error| FleetError::url(url, error))?;
        let address = info.addr().to_string();
        let redis = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        // Small commands, each awaited: Nagle's algorithm could only delay them.
        let tcp = info.tcp_settings().clone().set_nodelay(true);
        let info = info.set_redis_settings(redis).set_tcp_settings(tcp);
        let client = redis::Client::open(info).map_err(|error| FleetError::url(url, error))?;
        let routes = Arc::new(Routes::default());
        let config = ConnectionManagerConfig::new()
            .set_push_sender(Router(Arc::clone(&routes)))
            .set_automatic_resubscription()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            // Reconnect for as long as it takes, at least once a second:
            // commands meanwhile fail after `timeout`, and flights run locally.
            .set_number_of_retries(usize::MAX)
            .set_max_delay(timeout.clamp(Duration::from_millis(100), Duration::from_secs(1)));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| FleetError::unreachable(address.clone(), Some(error)))?;
        let shared = Arc::new(Shared {
            connection,
            routes,
            subscribing: tokio::sync::Mutex::new(()),
            runtime,
            timeout,
        });
        let ping = redis::cmd("PING");
        let mut connection = shared.connection.clone();
        shared
            .bounded("PING", ping.query_async::<()>(&mut connection))
            .await
            .map_err(|error| FleetError::unreachable(address.clone(), error.into_redis()))?;
        shared
            .runtime
            .spawn(watch_while_waiting(Arc::downgrade(&shared)));
        let backend = Self {
            shared,
            scripts: Scripts::new(),
        };
        Ok((backend, address))
    }
}

impl Shared {
    /// `command`, failed after the fleet's `redis_timeout`.
    async fn bounded<T>(
        &self,
        operation: &'static str,
        command: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, FleetError> {
        match tokio::time::timeout(self.timeout, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(FleetError::failed(operation, error)),
            Err(_) => Err(FleetError::timed_out(operation, self.timeout)),
        }
    }

    /// Leaves `channel` if no inbox joined it again meanwhile.
    async fn leave(&self, channel: String) {
        let _order = self.subscribing.lock().await;
        if !self.routes.is_unused(&channel) {
            return;
        }
        let mut connection = self.connection.clone();
        // Unanswered, the channel stays subscribed; messages for nobody are
        // dropped, and the next flight subscribes again either way.
        let _ = self
            .bounded("UNSUBSCRIBE", connection.unsubscribe(&channel))
            .await;
        self.routes.forget_if_unused(&channel);
    }
}

/// While any flight waits for a message, asks Redis for a `PING` once per
/// `redis_timeout`: a Redis that stopped answering without closing the
/// connection (a freeze, a partition) sends no disconnection, and the
/// waiting flights would otherwise wait out their leases. Ends with the
/// backend.
async fn watch_while_waiting(shared: std::sync::Weak<Shared>) {
    loop {
        let Some(timeout) = shared.upgrade().map(|shared| shared.timeout) else {
            return;
        };
        tokio::time::sleep(timeout).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if !shared.routes.anyone_waits() {
            continue;
        }
        let mut connection = shared.connection.clone();
        let ping = redis::cmd("PING");
        if shared
            .bounded("PING", ping.query_async::<()>(&mut connection))
            .await
            .is_err()
        {
            shared.routes.broadcast(|| Event::Unanswered);
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl Backend for RedisBackend {
    fn acquire<'a>(
        &'a self,
        keys: &'a FlightKeys,
        token: &'a str,
        lease: Duration,
        waited: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Acquired, FleetError>> {
        Box::pin(async move {
            let mut invocation = self.scripts.acquire.prepare_invoke();
            invocation
                .key(keys.lease())
                .key(keys.outcome(waited.unwrap_or_default()))
                .arg(token)
                .arg(millis(lease))
                .arg(if waited.is_some() { "1" } else { "0" });
            let mut connection = self.shared.connection.clone();
            let reply: Value = self
                .shared
                .bounded("the lease script", invocation.invoke_async(&mut connection))
                .await?;
            acquired(reply, lease).ok_or_else(|| FleetError::reply("the lease script"))
        })
    }

    fn renew<'a>(
        &'a self,
        keys: &'a FlightKeys,
        token: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, FleetError>> {
        Box::pin(async move {
            let mut invocation = self.scripts.renew.prepare_invoke();
            invocation.key(keys.lease()).arg(token).arg(millis(lease));
            let mut connection = self.shared.connection.clone();
            let renewed: i64 = self
                .shared
                .bounded(
                    "the renewal script",
                    invocation.invoke_async(&mut connection),
                )
                .await?;
            Ok(renewed == 1)
        })
    }

    fn finish<'a>(
        &'a self,
        keys: &'a FlightKeys,
        token: &'a str,
        outcome: &'a [u8],
        ttl: Duration,
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<(), FleetError>> {
        Box::pin(async move {
            let mut invocation = self.scripts.finish.prepare_invoke();
            invocation
                .key(keys.lease())
                .key(keys.outcome(token))
                .arg(token)
                .arg(outcome)
                .arg(millis(ttl))
                .arg(keys.channel())
                .arg(message);
            let mut connection = self.shared.connection.clone();
            self.shared
                .bounded(
                    "the finishing script",
                    invocation.invoke_async::<()>(&mut connection),
                )
                .await
        })
    }

    fn subscribe<'a>(&'a self, channel: &'a str) -> BoxFuture<'a, Result<Inbox, FleetError>> {
        Box::pin(async move {
            let _order = self.shared.subscribing.lock().await;
            let (sender, events) = unbounded_channel();
            let (id, subscribed) = self.shared.routes.join(channel, sender);
            // Made before the command, so an unanswered `SUBSCRIBE` leaves.
            let membership = Membership {
                shared: Arc::clone(&self.shared),
                channel: channel.to_owned(),
                id,
            };
            if !subscribed {
                let mut connection = self.shared.connection.clone();
                self.shared
                    .bounded("SUBSCRIBE", connection.subscribe(channel))
                    .await?;
                self.shared.routes.mark_subscribed(channel);
            }
            Ok(Inbox {
                events,
                _subscription: Box::new(membership),
            })
        })
    }
}

/// Reads the lease script's reply.
fn acquired(reply: Value, lease: Duration) -> Option<Acquired> {
    let Value::Array(parts) = reply else {
        return None;
    };
    let text = |value: &Value| match value {
        Value::BulkString(bytes) => Some(bytes.clone()),
        Value::SimpleString(text) => Some(text.clone().into_bytes()),
        _ => None,
    };
    match parts.as_slice() {
        [kind] if text(kind)? == b"lead" => Some(Acquired::Lead),
        [kind, outcome] if text(kind)? == b"done" => Some(Acquired::Done(text(outcome)?)),
        [kind, holder, remaining] if text(kind)? == b"wait" => {
            let holder = String::from_utf8(text(holder)?).ok()?;
            let remaining = match remaining {
                // A lease without an expiry cannot come from a fleet; wait
                // one lease for it anyway.
                Value::Int(ms) if *ms > 0 => Duration::from_millis(ms.unsigned_abs()),
                _ => lease,
            };
            Some(Acquired::Wait { holder, remaining })
        }
        _ => None,
    }
}

/// Drops an inbox's route, and leaves the channel when it was the last.
struct Membership {
    shared: Arc<Shared>,
    channel: String,
    id: u64,
}

impl Drop for Membership {
    fn drop(&mut self) {
        if self.shared.routes.leave(&self.channel, self.id) {
            let shared = Arc::clone(&self.shared);
            let channel = std::mem::take(&mut self.channel);
            // Dropped where no runtime may be current (a flight dropped by
            // another executor's task): the connection's runtime runs it.
            drop(
                shared
                    .runtime
                    .clone()
                    .spawn(async move { shared.leave(channel).await }),
            );
        }
    }
}

/// The inboxes of each subscribed channel.
#[derive(Default)]
struct Routes {
    table: Mutex<RouteTable>,
}

#[derive(Default)]
struct RouteTable {
    channels: HashMap<String, Channel>,
    next_id: u64,
}

#[derive(Default)]
struct Channel {
    inboxes: Vec<(u64, UnboundedSender<Event>)>,
    subscribed: bool,
}

impl Routes {
    fn table(&self) -> std::sync::MutexGuard<'_, RouteTable> {
        // Nothing under this lock can panic midway; a poisoned lock is
        // still consistent.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an inbox; returns its id and whether the channel is subscribed.
    fn join(&self, channel: &str, sender: UnboundedSender<Event>) -> (u64, bool) {
        let mut table = self.table();
        let id = table.next_id;
        table.next_id += 1;
        let entry = table.channels.entry(channel.to_owned()).or_default();
        entry.inboxes.push((id, sender));
        (id, entry.subscribed)
    }

    fn mark_subscribed(&self, channel: &str) {
        if let Some(entry) = self.table().channels.get_mut(channel) {
            entry.subscribed = true;
        }
    }

    /// Removes an inbox; returns whether the channel has none left.
    fn leave(&self, channel: &str, id: u64) -> bool {
        let mut table = self.table();
        let Some(entry) = table.channels.get_mut(channel) else {
            return false;
        };
        entry.inboxes.retain(|(inbox, _)| *inbox != id);
        entry.inboxes.is_empty()
    }

    fn is_unused(&self, channel: &str) -> bool {
        self.table()
            .channels
            .get(channel)
            .is_some_and(|entry| entry.inboxes.is_empty())
    }

    fn forget_if_unused(&self, channel: &str) {
        let mut table = self.table();
        if table
            .channels
            .get(channel)
            .is_some_and(|entry| entry.inboxes.is_empty())
        {
            table.channels.remove(channel);
        }
    }

    fn deliver(&self, channel: &[u8], message: &[u8]) {
        let Ok(channel) = std::str::from_utf8(channel) else {
            return;
        };
        if let Some(entry) = self.table().channels.get(channel) {
            for (_, inbox) in &entry.inboxes {
                let _ = inbox.send(Event::Message(message.to_vec()));
            }
        }
    }

    fn anyone_waits(&self) -> bool {
        self.table()
            .channels
            .values()
            .any(|entry| !entry.inboxes.is_empty())
    }

    /// Sends every inbox the event `event` makes.
    fn broadcast(&self, event: impl Fn() -> Event) {
        for entry in self.table().channels.values() {
            for (_, inbox) in &entry.inboxes {
                let _ = inbox.send(event());
            }
        }
    }
}

/// Receives the connection's pushes: messages, and word of a disconnection.
struct Router(Arc<Routes>);

impl redis::aio::AsyncPushSender for Router {
    fn send(&self, push: PushInfo) -> Result<(), redis::aio::SendError> {
        match (push.kind, push.data.as_slice()) {
            (PushKind::Message, [Value::BulkString(channel), Value::BulkString(message)]) => {
                self.0.deliver(channel, message);
            }
            (PushKind::Disconnection, _) => self.0.broadcast(|| Event::Reconnected),
            _ => {}
        }
        Ok(())
    }
}
