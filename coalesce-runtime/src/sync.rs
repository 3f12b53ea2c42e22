//! The one place that names synchronization primitives, so a model checker
//! can be swapped in later without touching the algorithm.

pub(crate) use std::sync::Arc;

/// A mutex whose lock never reports poisoning.
///
/// Every critical section in this crate leaves its state consistent before it
/// can run code that may panic (a key's `Eq`, a value's `Clone`), so a panic
/// in one caller must not turn into a panic in every later caller.
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(std::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, T> {
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
