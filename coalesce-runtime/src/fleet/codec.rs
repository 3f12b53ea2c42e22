//! How a function's output crosses to other replicas: [`Json`] for an output
//! that is `Serialize + DeserializeOwned` as a whole, [`OkJson`] for a
//! `Result` whose `Ok` value is and whose error is shared as its text.

use std::error::Error;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::outcome::{run_locally, tagged, Outcome, ERROR, VALUE};
use crate::shared_error::{ShareError, SharedError};

/// Turns an output into an outcome's bytes and back. The first byte of an
/// outcome is its tag; a codec decodes the tags it wrote.
pub(crate) trait Codec<V> {
    /// The outcome for `value`, or one that tells followers to run the body
    /// themselves when it is over `max_bytes` or cannot be encoded.
    fn encode(value: &V, max_bytes: usize) -> Vec<u8>;

    /// The value for an outcome with `tag`; `None` when it is not one.
    fn decode(tag: u8, payload: &[u8]) -> Option<Outcome<V>>;
}

/// The whole output as JSON.
#[derive(Clone, Copy, Debug)]
pub struct Json;

impl<V: Serialize + DeserializeOwned> Codec<V> for Json {
    fn encode(value: &V, max_bytes: usize) -> Vec<u8> {
        json(VALUE, value, max_bytes)
    }

    fn decode(tag: u8, payload: &[u8]) -> Option<Outcome<V>> {
        (tag == VALUE).then(|| serde_json::from_slice(payload).ok().map(Outcome::Value))?
    }
}

/// A `Result`: the `Ok` value as JSON, the error as its text (`{:#}`, so
/// anyhow's chain comes along), which other replicas' callers receive as a
/// [`SharedError`] around a [`RemoteError`].
#[derive(Clone, Copy, Debug)]
pub struct OkJson;

impl<T, E> Codec<Result<T, E>> for OkJson
where
    T: Serialize + DeserializeOwned,
    E: ShareError + fmt::Display,
{
    fn encode(value: &Result<T, E>, max_bytes: usize) -> Vec<u8> {
        match value {
            Ok(value) => json(VALUE, value, max_bytes),
            Err(error) => tagged(ERROR, &format!("{error:#}")),
        }
    }

    fn decode(tag: u8, payload: &[u8]) -> Option<Outcome<Result<T, E>>> {
        match tag {
            VALUE => serde_json::from_slice(payload)
                .ok()
                .map(|value| Outcome::Value(Ok(value))),
            ERROR => {
                let error = RemoteError {
                    message: String::from_utf8_lossy(payload).into_owned(),
                };
                Some(Outcome::Value(Err(E::from_shared(SharedError::new(error)))))
            }
            _ => None,
        }
    }
}

fn json<V: Serialize>(tag: u8, value: &V, max_bytes: usize) -> Vec<u8> {
    let mut bytes = vec![tag];
    match serde_json::to_writer(&mut bytes, value) {
        Ok(()) if bytes.len() - 1 <= max_bytes => bytes,
        Ok(()) => run_locally(&format!(
            "the result is {} bytes of JSON, over the fleet's max_result_bytes ({max_bytes})",
            bytes.len() - 1
        )),
        Err(error) => run_locally(&format!("the result could not be encoded as JSON: {error}")),
    }
}

/// An error that another replica's body returned, as its text: what callers
/// of a fleet-wide function receive, inside a [`SharedError`], when the
/// execution ran elsewhere and the error type is not `Serialize`.
///
/// Its `Display` is the original's `{:#}` (anyhow's chain included); its
/// type and causes stay in the replica that ran the body. A caller that
/// needs to match on the error's kind in every replica makes the error
/// `Serialize + Deserialize`: it then travels whole.
///
/// Through `#[coalesce]`, a remote error reaches an error enum as the enum's
/// own `Shared` variant, shared once more: `Shared(shared)` where
/// `shared.downcast_ref::<MyError>()` is `Shared(remote)` and
/// `remote.downcast_ref::<RemoteError>()` the text. With anyhow,
/// `SharedError::find::<RemoteError>` finds it directly.
///
/// ```
/// use coalesce::{RemoteError, SharedError};
///
/// fn from_another_replica(error: &anyhow::Error) -> bool {
///     SharedError::find::<RemoteError>(error.as_ref()).is_some()
/// }
/// # let local = anyhow::anyhow!("no such user");
/// # assert!(!from_another_replica(&local));
/// ```
#[derive(Clone, Debug)]
pub struct RemoteError {
    message: String,
}

impl RemoteError {
    /// The text of the error in the replica that ran the body.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for RemoteError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::outcome::decode;

    fn round_trip<V, C: Codec<V>>(value: &V) -> Outcome<V> {
        decode::<V, C>(&C::encode(value, 1024))
    }

    #[test]
    fn whole_values_round_trip_and_over_the_limit_run_locally() {
        assert!(matches!(
            round_trip::<_, Json>(&Some(7_u8)),
            Outcome::Value(Some(7))
        ));
        let reason = match decode::<String, Json>(&Json::encode(&"x".repeat(100), 10)) {
            Outcome::RunLocally(reason) => reason,
            _ => panic!("over the limit"),
        };
        assert!(
            reason.contains("102 bytes") && reason.contains("max_result_bytes (10)"),
            "{reason}"
        );
    }

    #[test]
    fn an_error_travels_as_its_text() {
        let error = anyhow::anyhow!("connection refused").context("loading user 7");
        let Outcome::Value(Err(remote)) =
            round_trip::<Result<u8, anyhow::Error>, OkJson>(&Err(error))
        else {
            panic!("an error outcome")
        };
        assert_eq!(remote.to_string(), "loading user 7: connection refused");
        let found = SharedError::find::<RemoteError>(remote.as_ref()).expect("a remote error");
        assert_eq!(found.message(), "loading user 7: connection refused");
        let ok = round_trip::<Result<String, anyhow::Error>, OkJson>(&Ok("fine".to_owned()));
        assert!(matches!(ok, Outcome::Value(Ok(text)) if text == "fine"));
    }
}
