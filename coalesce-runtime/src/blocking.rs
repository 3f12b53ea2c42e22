//! Calls from threads (`Group::run_blocking`): the caller's thread parks
//! until its flight wakes it, so a blocking call goes through the same
//! flights, and the same rules, as an async one.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::thread::{self, Thread};

/// Polls `future` on this thread, parking between polls until a waker
/// unparks it. A wake-up that comes between a poll and the park is not lost:
/// it leaves the thread's park token set, and `park` returns at once.
/// Spurious wake-ups only cost one more poll.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    THREAD_WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            thread::park();
        }
    })
}

thread::local! {
    /// This thread's waker, made once: a blocking call allocates nothing for
    /// it. A nested call (a body that calls another key) shares it; a stray
    /// unpark only costs a spurious wake-up, which re-polls.
    static THREAD_WAKER: Waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
}

/// Wakes a parked caller.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.unpark();
    }
}
