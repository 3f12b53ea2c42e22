//! The body of a detached flight (`Group::run_detached`): it belongs to the
//! flight, not to the call that started it, so it goes on when that call is
//! dropped, and whichever waiting caller is polled drives it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Wake, Waker};

use crate::sync::Arc;

/// A detached body, boxed so the flight can own it whatever its type.
pub(crate) type BoxFuture<V> = Pin<Box<dyn Future<Output = V> + Send>>;

/// A body its opener polls alone, parked in the map between polls with the
/// opener's waker. Boxed there, so that every entry stays small; only a
/// body still pending pays for it.
pub(crate) struct Parked<V> {
    pub(crate) body: BoxFuture<V>,
    pub(crate) waker: Waker,
}

/// The body a flight owns, and what is needed to drive it.
pub(crate) struct DetachedBody<V> {
    /// `None` while a caller is polling it.
    future: Option<BoxFuture<V>>,
    /// The body asked to be polled (or never was) and nobody has yet.
    woken: bool,
    /// The waker the body is polled with: it wakes every waiting caller, since
    /// any one of them may be the one whose task is still polled.
    notifier: Waker,
}

/// What the body's waker tells: implemented by the flight, which wakes its
/// waiting callers. Kept as a trait so this file does not depend on the
/// flight that depends on it.
pub(crate) trait WakeCallers: Send + Sync + 'static {
    /// The body was woken: mark it and wake every waiting caller.
    fn body_woken(&self);
}

impl<V> DetachedBody<V> {
    /// The body of `flight` (`None` while its opener is still polling it),
    /// woken from the start so that the first caller polled drives it. Its
    /// waker holds `flight`: a cycle that every way out of the flight breaks
    /// by dropping this body.
    pub(crate) fn new<F: WakeCallers>(future: Option<BoxFuture<V>>, flight: Arc<F>) -> Self {
        Self {
            future,
            woken: true,
            notifier: Waker::from(std::sync::Arc::new(Notifier(flight))),
        }
    }

    /// The future and its waker, if it needs polling and nobody is polling it.
    pub(crate) fn take_if_woken(&mut self) -> Option<(BoxFuture<V>, Waker)> {
        if !self.woken {
            return None;
        }
        let future = self.future.take()?;
        self.woken = false;
        Some((future, self.notifier.clone()))
    }

    /// Puts the future back after a poll that returned `Pending`, and says
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

/// The body's waker.
struct Notifier<F>(Arc<F>);

impl<F: WakeCallers> Wake for Notifier<F> {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.body_woken();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.body_woken();
    }
}
