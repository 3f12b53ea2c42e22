//! What a finished flight leaves for its followers, as bytes: the value in
//! JSON, the leader's panic, or a note that the value could not travel and
//! each replica should run the body itself.

use super::codec::Codec;
use super::keys::TOKEN_LEN;

pub(super) const VALUE: u8 = b'v';
/// An error, as its text (from a codec that sends errors that way).
pub(super) const ERROR: u8 = b'e';
const PANICKED: u8 = b'p';
const RUN_LOCALLY: u8 = b'l';
/// A message that only says the outcome is stored: fetch it by token.
const STORED: u8 = b's';
/// A message that says the lease holder gave up without an outcome.
const ABANDONED: u8 = b'a';

/// Outcomes up to this size travel in the message itself; larger ones are
/// stored, and the message says where.
const INLINE_LIMIT: usize = 64 * 1024;

/// A flight's outcome, decoded.
pub(crate) enum Outcome<V> {
    Value(V),
    Panicked(String),
    /// The value did not travel (too large, or not encodable/decodable).
    RunLocally(String),
}

/// The outcome of a leader whose body panicked with `message`.
pub(crate) fn panicked(message: &str) -> Vec<u8> {
    tagged(PANICKED, message)
}

/// The outcome that tells followers to run the body themselves.
pub(super) fn run_locally(reason: &str) -> Vec<u8> {
    tagged(RUN_LOCALLY, reason)
}

pub(super) fn tagged(tag: u8, text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(1 + text.len());
    bytes.push(tag);
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

/// Whether `outcome` says followers run locally (for the leader's log line).
pub(crate) fn run_locally_reason(outcome: &[u8]) -> Option<&str> {
    match outcome.split_first() {
        Some((&RUN_LOCALLY, reason)) => std::str::from_utf8(reason).ok(),
        _ => None,
    }
}

/// Decodes a stored or published outcome, the value's part with `codec`.
pub(crate) fn decode<V, C: Codec<V>>(bytes: &[u8]) -> Outcome<V> {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    match bytes.split_first() {
        Some((&PANICKED, message)) => Outcome::Panicked(text(message)),
        Some((&RUN_LOCALLY, reason)) => Outcome::RunLocally(text(reason)),
        Some((&tag, payload)) => C::decode(tag, payload).unwrap_or_else(|| {
            Outcome::RunLocally(format!(
                "the result from another replica could not be decoded (it starts {:?}); \
                 if replicas run different versions, give the function a new `fleet_name`",
                text(bytes.get(..24).unwrap_or(bytes))
            ))
        }),
        None => Outcome::RunLocally("another replica sent an empty outcome".to_owned()),
    }
}

/// The message published when a flight ends with `outcome`: the token, then
/// the outcome itself, or only a note that it is stored when it is large.
pub(crate) fn message(token: &str, outcome: &[u8]) -> Vec<u8> {
    let mut message = token.as_bytes().to_vec();
    if outcome.len() <= INLINE_LIMIT {
        message.extend_from_slice(outcome);
    } else {
        message.push(STORED);
    }
    message
}

/// The message published when a lease holder leaves without an outcome.
pub(crate) fn abandoned(token: &str) -> Vec<u8> {
    let mut message = token.as_bytes().to_vec();
    message.push(ABANDONED);
    message
}

/// What a waiting follower makes of a message on the key's channel.
///
/// Any flight's outcome will do, not only the awaited holder's: a flight
/// that ends while the follower waits started after the follower arrived
/// (the lease was the holder's then) or was still in flight when it did, so
/// taking its value is what a local follower of a promoted leader gets.
pub(crate) enum Heard<'a> {
    /// A flight's outcome.
    Outcome(&'a [u8]),
    /// A flight ended with an outcome too large to send: it is stored under
    /// this token.
    Stored(&'a str),
    /// Look again: the lease holder left without an outcome.
    Recheck,
}

/// Reads a message published by `message` or `abandoned`.
pub(crate) fn hear(message: &[u8]) -> Heard<'_> {
    let Some((token, outcome)) = message.split_at_checked(TOKEN_LEN) else {
        return Heard::Recheck;
    };
    match (outcome.first(), std::str::from_utf8(token)) {
        (Some(&STORED), Ok(token)) => Heard::Stored(token),
        (Some(&ABANDONED) | None, _) | (Some(&STORED), Err(_)) => Heard::Recheck,
        (Some(_), _) => Heard::Outcome(outcome),
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::Json;
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn values_travel_inline_and_come_back() {
        let outcome = Json::encode(&vec![1_u32, 2], 1024);
        let message = message(TOKEN, &outcome);
        let Heard::Outcome(heard) = hear(&message) else {
            panic!("an inline value must be heard")
        };
        assert!(matches!(decode::<Vec<u32>, Json>(heard), Outcome::Value(v) if v == [1, 2]));
    }

    #[test]
    fn large_outcomes_are_fetched_by_token_and_any_flights_outcome_is_heard() {
        let large = Json::encode(&"x".repeat(INLINE_LIMIT), usize::MAX);
        assert!(matches!(
            hear(&message(TOKEN, &large)),
            Heard::Stored(TOKEN)
        ));
        assert!(matches!(hear(&abandoned(TOKEN)), Heard::Recheck));
        assert!(matches!(hear(b"short"), Heard::Recheck));
        let successor = "f".repeat(TOKEN_LEN);
        let published = message(&successor, &Json::encode(&1, 9));
        let heard = hear(&published);
        assert!(matches!(heard, Heard::Outcome(outcome) if outcome == Json::encode(&1, 9)));
    }

    #[test]
    fn panics_and_garbage_decode_to_something_a_caller_can_act_on() {
        assert!(
            matches!(decode::<u8, Json>(&panicked("boom")), Outcome::Panicked(m) if m == "boom")
        );
        let mismatch = decode::<u8, Json>(b"v\"text\"");
        assert!(matches!(mismatch, Outcome::RunLocally(r) if r.contains("fleet_name")));
        assert!(matches!(decode::<u8, Json>(b"?"), Outcome::RunLocally(_)));
        assert!(matches!(decode::<u8, Json>(b""), Outcome::RunLocally(_)));
    }
}
