//! Whether Redis is worth asking: after a failure, flights run locally for a
//! pause instead of each waiting out `redis_timeout` on a Redis that is down.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long flights skip Redis after it failed one of them.
pub(super) const PAUSE: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(super) struct Health {
    down_until: Mutex<Option<Instant>>,
}

impl Health {
    /// Whether Redis failed less than [`PAUSE`] ago.
    pub(super) fn is_down(&self) -> bool {
        self.lock().is_some_and(|until| Instant::now() < until)
    }

    /// Redis failed a command: skip it for a [`PAUSE`].
    pub(super) fn failed(&self) {
        *self.lock() = Some(Instant::now() + PAUSE);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_pauses_then_expires() {
        let health = Health::default();
        assert!(!health.is_down());
        health.failed();
        assert!(health.is_down());
        *health.lock() = Some(Instant::now());
        assert!(!health.is_down());
    }
}
