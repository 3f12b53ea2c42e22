//! One process's request for one key: take the lease and lead, or wait for
//! the holder's outcome, woken by its message and never by polling.
//!
//! ```text
//! acquire ──lead──▶ run the body (lead.rs), finish: store, release, publish
//!    │ ──done──▶ the waited flight's stored outcome
//!    └─wait──▶ subscribe (first time: then acquire again, so nothing
//!              published in between is missed) ─▶ wait for a message, at
//!              most the lease's remaining time ─▶ outcome, or acquire again
//! ```
//! Any Redis error or timeout runs the body here (fail open).

use std::future::Future;

use tokio::time::{timeout_at, Instant};

use super::backend::{Acquired, Event, Inbox};
use super::codec::Codec;
use super::keys::{token, FlightKeys};
use super::lead::Lease;
use super::outcome::{decode, hear, Heard, Outcome};
use super::stats::Counters;
use super::{health, lead, Fleet, FleetError};

/// A flight about to start: the fleet, the function's name and the key's
/// Redis names. Without a fleet or keys it runs the body here.
pub(crate) struct Flight {
    fleet: Option<Fleet>,
    name: String,
    keys: Option<FlightKeys>,
}

impl Flight {
    pub(super) fn new(fleet: Option<Fleet>, name: &str, keys: Option<FlightKeys>) -> Self {
        Self {
            fleet,
            name: name.to_owned(),
            keys,
        }
    }

    /// A flight that runs its body here: no fleet is installed.
    pub(crate) fn here(name: &str) -> Self {
        Self::new(None, name, None)
    }

    /// Runs `body` here or returns another replica's value for the key,
    /// which travels as `C` encodes it.
    pub(crate) async fn run<V, C, F>(self, body: F) -> V
    where
        C: Codec<V>,
        F: Future<Output = V>,
    {
        let (Some(fleet), Some(keys)) = (&self.fleet, &self.keys) else {
            return body.await;
        };
        if fleet.inner.health.is_down() {
            return self.fail_open(fleet, None, body).await;
        }
        let settings = &fleet.inner.settings;
        let backend = &*fleet.inner.backend;
        let mut inbox: Option<Inbox> = None;
        let mut waited: Option<String> = None;
        loop {
            // Armed before the request: if this call is dropped before the
            // answer arrives, a lease Redis may have granted is released.
            let lease = Lease::new(fleet, keys, token());
            let acquired = backend
                .acquire(keys, lease.token(), settings.lease, waited.as_deref())
                .await;
            let (holder, remaining) = match acquired {
                // Unanswered, the lease may be ours: `lease` releases it.
                Err(error) => return self.fail_open(fleet, Some(error), body).await,
                Ok(Acquired::Lead) => {
                    drop(inbox);
                    return lead::lead::<V, C, F>(lease, &self.name, body).await;
                }
                Ok(Acquired::Done(outcome)) => {
                    lease.disarm();
                    return self.receive::<V, C, F>(fleet, &outcome, body).await;
                }
                Ok(Acquired::Wait { holder, remaining }) => {
                    lease.disarm();
                    (holder, remaining)
                }
            };
            let Some(events) = inbox.as_mut() else {
                // Subscribed first, then asked again: an outcome published
                // before the subscription is found stored by the holder's token.
                match backend.subscribe(keys.channel()).await {
                    Ok(subscribed) => inbox = Some(subscribed),
                    Err(error) => return self.fail_open(fleet, Some(error), body).await,
                }
                waited = Some(holder);
                continue;
            };
            let deadline = Instant::now() + remaining + settings.redis_timeout;
            match listen(events, deadline).await {
                Listened::Outcome(outcome) => {
                    return self.receive::<V, C, F>(fleet, &outcome, body).await;
                }
                Listened::Stored(token) => waited = Some(token),
                Listened::Recheck => waited = Some(holder),
                Listened::Unanswered => {
                    let error = FleetError::unanswered(settings.redis_timeout);
                    return self.fail_open(fleet, Some(error), body).await;
                }
            }
        }
    }

    /// Returns the value another replica sent, repeats its panic, or runs
    /// the body here when the value could not travel.
    async fn receive<V, C, F>(&self, fleet: &Fleet, outcome: &[u8], body: F) -> V
    where
        C: Codec<V>,
        F: Future<Output = V>,
    {
        let counters = &fleet.inner.counters;
        match decode::<V, C>(outcome) {
            Outcome::Value(value) => {
                Counters::add(&counters.received);
                value
            }
            Outcome::Panicked(message) => {
                Counters::add(&counters.remote_panics);
                panic!("the coalesced call panicked in another replica: {message}")
            }
            Outcome::RunLocally(reason) => {
                Counters::add(&counters.ran_locally);
                fleet.warn(&self.name, &format!("{reason}; running it here"));
                body.await
            }
        }
    }

    /// Runs the body here because Redis could not help: it failed now
    /// (`error`), or a moment ago.
    async fn fail_open<V, F>(&self, fleet: &Fleet, error: Option<FleetError>, body: F) -> V
    where
        F: Future<Output = V>,
    {
        Counters::add(&fleet.inner.counters.failed_open);
        if let Some(error) = error {
            fleet.inner.health.failed();
            fleet.warn(
                &self.name,
                &format!(
                    "{error}; running it here (fail open), and every flight for the next {:?}",
                    health::PAUSE
                ),
            );
        }
        body.await
    }
}

/// How a wait on the key's channel ended.
enum Listened {
    /// A flight's outcome arrived.
    Outcome(Vec<u8>),
    /// A flight ended with an outcome stored under this token.
    Stored(String),
    /// Look again: the deadline passed, the connection dropped (messages
    /// may be lost), or the holder left.
    Recheck,
    /// Redis stopped answering: no message will come.
    Unanswered,
}

/// Waits for a message on the key's channel until `deadline`.
async fn listen(inbox: &mut Inbox, deadline: Instant) -> Listened {
    match timeout_at(deadline, inbox.events.recv()).await {
        Ok(Some(Event::Message(message))) => match hear(&message) {
            Heard::Outcome(outcome) => Listened::Outcome(outcome.to_vec()),
            Heard::Stored(token) => Listened::Stored(token.to_owned()),
            Heard::Recheck => Listened::Recheck,
        },
        Ok(Some(Event::Unanswered)) => Listened::Unanswered,
        Ok(Some(Event::Reconnected) | None) | Err(_) => Listened::Recheck,
    }
}
