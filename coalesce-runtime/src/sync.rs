//! The one place that names synchronization primitives: std normally, loom's
//! models under `--cfg loom` (see `tests/loom.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, MutexGuard};

#[cfg(loom)]
use loom::sync::Mutex as Inner;
#[cfg(not(loom))]
use std::sync::Mutex as Inner;

/// A mutex whose lock never reports poisoning.
///
/// Every critical section in this crate leaves its state consistent before it
/// can run code that may panic (a key's `Eq`, a value's `Clone`), so a panic
/// in one caller must not turn into a panic in every later caller.
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(Inner<T>);

impl<T> Mutex<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        Self(Inner::new(value))
    }

    /// loom's mutex cannot be built in a `const` context.
    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Self(Inner::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn into_inner(self) -> T {
        self.0
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
