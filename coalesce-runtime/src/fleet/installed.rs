//! The process-wide fleet that `#[coalesce(key = ..., fleet)]` uses.

use std::sync::{PoisonError, RwLock};

use super::Fleet;

static INSTALLED: RwLock<Option<Fleet>> = RwLock::new(None);

impl Fleet {
    /// Makes this the fleet of every `#[coalesce(key = ..., fleet)]`
    /// function, replacing any installed before. Until a fleet is
    /// installed, those functions coalesce within the process only (and log
    /// one warning that says so).
    /// (Example: [`Fleet`]'s.)
    pub fn install(&self) {
        *INSTALLED.write().unwrap_or_else(PoisonError::into_inner) = Some(self.clone());
    }

    /// The fleet [`install`](Fleet::install)ed last, if any.
    ///
    /// ```
    /// assert!(coalesce::Fleet::installed().is_none());
    /// ```
    #[must_use]
    pub fn installed() -> Option<Fleet> {
        INSTALLED
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
