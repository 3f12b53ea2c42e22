//! The one place that names synchronization primitives: std normally, loom's
//! models under `--cfg loom` (see `tests/loom.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, MutexGuard};

/// A mutex whose lock never reports poisoning.
///
/// Every critical section in this crate leaves its state consistent before it
/// can run code that may panic (a key's `Eq`), so a panic in one caller must
/// not turn into a panic in every later caller.
#[cfg(not(loom))]
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

#[cfg(not(loom))]
impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(std::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// loom's mutex cannot be built in a `const` context, so the model's mutex
/// is built at the first lock, from the value `new` kept aside. A model
/// creates its groups inside the model, so each execution gets fresh ones.
#[cfg(loom)]
pub(crate) struct Mutex<T> {
    initial: std::sync::Mutex<Option<T>>,
    model: std::sync::OnceLock<loom::sync::Mutex<T>>,
}

#[cfg(loom)]
impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self {
            initial: std::sync::Mutex::new(Some(value)),
            model: std::sync::OnceLock::new(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        let model = self.model.get_or_init(|| {
            let initial = self
                .initial
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            match initial {
                Some(value) => loom::sync::Mutex::new(value),
                None => unreachable!("a OnceLock initializes once"),
            }
        });
        model
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Parking a thread until a waker unparks it: std's, or loom's in models.
pub(crate) mod thread {
    #[cfg(loom)]
    pub(crate) use loom::thread::{current, park, Thread};
    #[cfg(loom)]
    pub(crate) use loom::thread_local as local;
    #[cfg(not(loom))]
    pub(crate) use std::thread::{current, park, Thread};
    #[cfg(not(loom))]
    pub(crate) use std::thread_local as local;
}
