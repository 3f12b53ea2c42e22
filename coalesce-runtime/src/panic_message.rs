//! Turning a panic payload into text that followers can repeat.

use std::any::Any;

/// The message of a panic payload, when it is a string (as `panic!` makes it).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<String> {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        Some((*message).to_owned())
    } else {
        payload.downcast_ref::<String>().cloned()
    }
}

/// Panics in a follower whose leader's body panicked.
pub(crate) fn follower_panic(leader_message: Option<&str>) -> ! {
    match leader_message {
        Some(message) => panic!("the coalesced call panicked in its leader: {message}"),
        None => panic!("the coalesced call panicked in its leader (with a non-string payload)"),
    }
}
