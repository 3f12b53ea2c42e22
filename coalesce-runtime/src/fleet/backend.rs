//! The few things the fleet asks of its store, so the protocol in `flight`
//! does not depend on Redis itself.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::keys::FlightKeys;
use super::FleetError;

pub(super) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one scripted round trip found for a flight.
#[derive(Debug)]
pub(super) enum Acquired {
    /// The caller holds the lease: run the body.
    Lead,
    /// The flight the caller waited on is over: its stored outcome.
    Done(Vec<u8>),
    /// Another replica holds the lease: its token, and how long it has left.
    Wait { holder: String, remaining: Duration },
}

/// What a subscribed channel brings.
#[derive(Debug)]
pub(super) enum Event {
    /// A message published on the channel.
    Message(Vec<u8>),
    /// The connection dropped: messages may have been lost.
    Reconnected,
    /// Redis stopped answering (a `PING` went unanswered for the fleet's
    /// `redis_timeout`) while the connection stayed open.
    Unanswered,
}

/// A flight store with a lease per key and a channel per key.
pub(super) trait Backend: Send + Sync + 'static {
    /// Stores nothing and returns what the flight's state says: when
    /// `waited` names a holder whose outcome is stored, that outcome; else
    /// the lease for `token` if it is free; else the holder and its time.
    fn acquire<'a>(
        &'a self,
        keys: &'a FlightKeys,
        token: &'a str,
        lease: Duration,
        waited: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Acquired, FleetError>>;

    /// Extends `token`'s lease; `false` when `token` no longer holds it.
    fn renew<'a>(
        &'a self,
        keys: &'a FlightKeys,
        token: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, FleetError>>;

    /// Ends `token`'s flight in one step: stores `outcome` (unless empty) for
    /// `ttl`, releases the lease if `token` still holds it, and publishes
    /// `message` on the key's channel.
    fn finish<'a>(
        &'a self,
        keys: &'a FlightKeys,
        token: &'a str,
        outcome: &'a [u8],
        ttl: Duration,
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<(), FleetError>>;

    /// Subscribes to `channel`; events arrive until the inbox is dropped.
    fn subscribe<'a>(&'a self, channel: &'a str) -> BoxFuture<'a, Result<Inbox, FleetError>>;
}

/// One subscriber's events on one channel. Dropping it leaves the channel.
pub(super) struct Inbox {
    pub(super) events: UnboundedReceiver<Event>,
    pub(super) _subscription: Box<dyn Send + Sync>,
}
