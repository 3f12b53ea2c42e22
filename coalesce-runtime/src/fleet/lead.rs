//! The leader's side: run the body holding the lease, renew it meanwhile,
//! and end the flight exactly once, whichever way the body ends.

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::Poll;

use super::codec::Codec;
use super::keys::FlightKeys;
use super::outcome::{abandoned, message, panicked, run_locally_reason};
use super::stats::Counters;
use super::Fleet;
use crate::panic_message::panic_message;

/// Runs `body` holding `lease` and publishes its value.
pub(super) async fn lead<V, C, F>(mut lease: Lease, name: &str, body: F) -> V
where
    C: Codec<V>,
    F: Future<Output = V>,
{
    Counters::add(&lease.fleet.inner.counters.led);
    let finished = {
        let mut body = pin!(body);
        let mut renewal = pin!(lease.keep_alive(name));
        poll_fn(|cx| {
            match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
                Ok(Poll::Ready(value)) => return Poll::Ready(Ok(value)),
                Err(payload) => return Poll::Ready(Err(payload)),
                Ok(Poll::Pending) => {}
            }
            // Renewing never finishes; it only needs polling.
            let _ = renewal.as_mut().poll(cx);
            Poll::Pending
        })
        .await
    };
    match finished {
        Ok(value) => {
            lease.finish::<V, C>(name, &value).await;
            value
        }
        Err(payload) => {
            let message = panic_message(&*payload);
            lease.panic =
                Some(message.unwrap_or_else(|| "a panic with a non-string payload".to_owned()));
            // The lease publishes the panic as it drops, and the leader's
            // own panic goes on with its payload.
            resume_unwind(payload)
        }
    }
}

/// A lease this call asked for or holds. Dropped armed (the call was
/// dropped, or its body panicked), it releases the lease if the token still
/// holds it and tells the followers: `abandoned`, so one of them leads, or
/// the panic.
pub(super) struct Lease {
    fleet: Fleet,
    keys: FlightKeys,
    token: String,
    panic: Option<String>,
    armed: bool,
}

impl Lease {
    /// A lease about to be asked for with `token`, released on drop.
    pub(super) fn new(fleet: &Fleet, keys: &FlightKeys, token: String) -> Self {
        Self {
            fleet: fleet.clone(),
            keys: keys.clone(),
            token,
            panic: None,
            armed: true,
        }
    }

    pub(super) fn token(&self) -> &str {
        &self.token
    }

    /// Redis answered that the lease is someone else's: nothing to release.
    pub(super) fn disarm(mut self) {
        self.armed = false;
    }

    /// Extends the lease three times per lease, until the body finishes.
    async fn keep_alive(&self, name: &str) {
        let settings = &self.fleet.inner.settings;
        let backend = &*self.fleet.inner.backend;
        loop {
            tokio::time::sleep(settings.renew_every()).await;
            match backend.renew(&self.keys, &self.token, settings.lease).await {
                Ok(true) => {}
                Ok(false) => {
                    self.fleet.warn(
                        name,
                        "its lease expired while the body ran (a pause longer than the lease?); \
                         another replica may run it too",
                    );
                    return std::future::pending().await;
                }
                Err(error) => self
                    .fleet
                    .warn(name, &format!("{error}; renewing the lease again")),
            }
        }
    }

    /// Stores and publishes the value, and releases the lease.
    async fn finish<V, C: Codec<V>>(&mut self, name: &str, value: &V) {
        let settings = &self.fleet.inner.settings;
        let outcome = C::encode(value, settings.max_result_bytes);
        if let Some(reason) = run_locally_reason(&outcome) {
            self.fleet
                .warn(name, &format!("{reason}; other replicas run it themselves"));
        }
        let message = message(&self.token, &outcome);
        let finished = self
            .fleet
            .inner
            .backend
            .finish(
                &self.keys,
                &self.token,
                &outcome,
                settings.outcome_ttl(),
                &message,
            )
            .await;
        self.armed = false;
        if let Err(error) = finished {
            self.fleet.warn(
                name,
                &format!("{error}; other replicas take over when the lease expires"),
            );
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (outcome, message) = match self.panic.take() {
            Some(text) => {
                let outcome = panicked(&text);
                let message = message(&self.token, &outcome);
                (outcome, message)
            }
            None => (Vec::new(), abandoned(&self.token)),
        };
        let fleet = self.fleet.clone();
        let keys = self.keys.clone();
        let token = std::mem::take(&mut self.token);
        // Drop cannot wait: the connection's runtime sends it.
        drop(self.fleet.inner.runtime.spawn(async move {
            let ttl = fleet.inner.settings.outcome_ttl();
            let _ = fleet
                .inner
                .backend
                .finish(&keys, &token, &outcome, ttl, &message)
                .await;
        }));
    }
}
