//! Work owned by a flight rather than by its leader (`Group::run_detached`):
//! any waiting caller can drive it, and it goes on when its opener is dropped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Wake, Waker};

use crate::flight::Flight;
use crate::sync::Arc;

/// The body of a detached flight, boxed so the flight can own it.
pub(crate) type BoxFuture<V> = Pin<Box<dyn Future<Output = V> + Send>>;

/// The shared body and what is needed to drive it.
pub(crate) struct OwnedWork<V> {
    /// `None` while a caller is polling it.
    future: Option<BoxFuture<V>>,
    /// The body asked to be polled (or never was) and nobody has yet.
    woken: bool,
    /// The waker the body is polled with: it wakes every waiting caller, since
    /// any one of them may be the one whose task still polls.
    notifier: Waker,
}

impl<V> OwnedWork<V> {
    pub(crate) fn new(future: BoxFuture<V>, notifier: Waker) -> Self {
        Self {
            future: Some(future),
            woken: true,
            notifier,
        }
    }

    /// The body and its waker, if it needs polling and nobody is polling it.
    pub(crate) fn take_if_woken(&mut self) -> Option<(BoxFuture<V>, Waker)> {
        if !self.woken {
            return None;
        }
        let future = self.future.take()?;
        self.woken = false;
        Some((future, self.notifier.clone()))
    }

    /// Puts the body back after a poll that returned `Pending`, and says
    /// whether it was woken while it was out.
    pub(crate) fn park(&mut self, future: BoxFuture<V>) -> bool {
        self.future = Some(future);
        self.woken
    }

    /// Records a wake-up of the body.
    pub(crate) fn wake(&mut self) {
        self.woken = true;
    }
}

/// The body's waker. It holds the flight, a cycle that every way out of the
/// flight breaks by dropping the work (and this waker with it).
struct Notifier<V>(Arc<Flight<V>>);

impl<V> Wake for Notifier<V> {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.wake_owned();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.wake_owned();
    }
}

/// A flight that owns `future`.
pub(crate) fn owned_flight<V: Send + 'static>(future: BoxFuture<V>) -> Arc<Flight<V>> {
    let flight = Arc::new(Flight::new());
    let notifier = Waker::from(std::sync::Arc::new(Notifier(Arc::clone(&flight))));
    flight.own(OwnedWork::new(future, notifier));
    flight
}
