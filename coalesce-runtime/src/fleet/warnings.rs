//! One warning per interval: an unreachable Redis would otherwise log once
//! per call.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Lets a warning through at most once per interval, counting the others.
pub(super) struct Warnings {
    interval: Duration,
    state: Mutex<State>,
}

struct State {
    last: Option<Instant>,
    held_back: u64,
}

impl Warnings {
    pub(super) fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::new(State {
                last: None,
                held_back: 0,
            }),
        }
    }

    /// `Some(n)` when a warning may go out now, with the `n` held back since
    /// the last one; `None` when it is held back.
    pub(super) fn permit(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if state
            .last
            .is_some_and(|last| now.duration_since(last) < self.interval)
        {
            state.held_back += 1;
            return None;
        }
        state.last = Some(now);
        Some(std::mem::take(&mut state.held_back))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_interval_and_the_rest_counted() {
        let warnings = Warnings::new(Duration::from_secs(3600));
        assert_eq!(warnings.permit(), Some(0));
        assert_eq!(warnings.permit(), None);
        assert_eq!(warnings.permit(), None);
        let always = Warnings::new(Duration::ZERO);
        assert_eq!((always.permit(), always.permit()), (Some(0), Some(0)));
    }
}
