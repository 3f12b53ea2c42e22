//! Why the fleet could not be used: at `connect`, or for one flight (which
//! then runs locally).

use std::error::Error;
use std::fmt;
use std::time::Duration;

/// An error from [`Fleet::connect`](super::Fleet::connect), or the reason a
/// flight ran locally, as the fleet's warnings print it.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let error = coalesce::Fleet::connect("http://127.0.0.1:6379").await.unwrap_err();
/// assert!(error.to_string().contains("redis://"), "{error}");
/// # });
/// ```
#[derive(Debug)]
pub struct FleetError {
    what: What,
    source: Option<redis::RedisError>,
}

#[derive(Debug)]
enum What {
    Url(String),
    NoRuntime,
    Unreachable(String),
    TimedOut(&'static str, Duration),
    Unanswered(Duration),
    Failed(&'static str),
    Reply(&'static str),
}

impl FleetError {
    pub(super) fn url(url: &str, source: redis::RedisError) -> Self {
        Self::with_source(What::Url(url.to_owned()), source)
    }

    pub(super) fn no_runtime() -> Self {
        Self {
            what: What::NoRuntime,
            source: None,
        }
    }

    pub(super) fn unreachable(address: String, source: Option<redis::RedisError>) -> Self {
        Self {
            what: What::Unreachable(address),
            source,
        }
    }

    pub(super) fn timed_out(operation: &'static str, after: Duration) -> Self {
        Self {
            what: What::TimedOut(operation, after),
            source: None,
        }
    }

    pub(super) fn unanswered(after: Duration) -> Self {
        Self {
            what: What::Unanswered(after),
            source: None,
        }
    }

    pub(super) fn failed(operation: &'static str, source: redis::RedisError) -> Self {
        Self::with_source(What::Failed(operation), source)
    }

    pub(super) fn reply(operation: &'static str) -> Self {
        Self {
            what: What::Reply(operation),
            source: None,
        }
    }

    /// The Redis error underneath, to wrap in another kind.
    pub(super) fn into_redis(self) -> Option<redis::RedisError> {
        self.source
    }

    fn with_source(what: What, source: redis::RedisError) -> Self {
        Self {
            what,
            source: Some(source),
        }
    }
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.what {
            What::Url(url) => write!(
                f,
                "`{url}` is not a Redis URL: write `redis://host:port` (or `rediss://`, \
                 `redis+unix://`), with `/db` and `user:password@` if needed"
            ),
            What::NoRuntime => f.write_str(
                "the fleet needs a tokio runtime: call `Fleet::connect` from a task of one",
            ),
            What::Unreachable(address) => write!(
                f,
                "Redis at {address} did not answer: is it running? Without a fleet, \
                 `#[coalesce]` still coalesces within this process"
            ),
            What::TimedOut(operation, after) => {
                write!(
                    f,
                    "Redis did not answer {operation} within {after:?} (the fleet's redis_timeout)"
                )
            }
            What::Unanswered(after) => write!(
                f,
                "Redis stopped answering while this call waited for another replica \
                 (a PING went unanswered for {after:?}, the fleet's redis_timeout)"
            ),
            What::Failed(operation) => write!(f, "Redis failed {operation}"),
            What::Reply(operation) => write!(
                f,
                "Redis answered {operation} with a reply the fleet does not know"
            ),
        }
    }
}

impl Error for FleetError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_ref().map(|source| source as _)
    }
}
