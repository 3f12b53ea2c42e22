//! The claims of the examples, checked on the same code against the real
//! components (moka, SQLite through sqlx, an axum server and reqwest on
//! 127.0.0.1), with gates instead of sleeps and exact counts per wave.
//!
//! Functions annotated with `#[coalesce]` share one map per function across
//! the whole test binary, so each test uses keys no other test uses.

#[path = "../support/mod.rs"]
mod support;

#[path = "../../examples/cache_miss.rs"]
#[allow(dead_code)]
mod cache_miss;
#[path = "../../examples/fetch.rs"]
#[allow(dead_code)]
mod fetch;
#[path = "../../examples/repository.rs"]
#[allow(dead_code)]
mod repository;

mod cache_miss_claims;
mod fetch_claims;
mod repository_claims;

use std::fmt::Debug;
use std::sync::Arc;

use coalesce::SharedError;

/// A caller's error, which can tell whether another caller's error is the
/// error of the same execution, shared.
trait OneExecution: Debug {
    fn same_execution(&self, other: &Self) -> bool;
}

/// A `Clone` error behind an `Arc`: every caller holds the same `Arc`.
impl<E: Debug> OneExecution for Arc<E> {
    fn same_execution(&self, other: &Self) -> bool {
        Arc::ptr_eq(self, other)
    }
}

/// Each caller holds its own `anyhow::Error` around the one shared error.
impl OneExecution for anyhow::Error {
    fn same_execution(&self, other: &Self) -> bool {
        same_shared(self.downcast_ref(), other.downcast_ref())
    }
}

/// Whether both callers hold a shared error, and the same one.
fn same_shared(this: Option<&SharedError>, other: Option<&SharedError>) -> bool {
    this.zip(other)
        .is_some_and(|(this, other)| SharedError::ptr_eq(this, other))
}

/// Every result is an error, and all of them are the error of one execution,
/// shared. Returns the first caller's.
fn assert_one_shared_error<T: Debug, E: OneExecution>(results: &[Result<T, E>]) -> &E {
    let first = results[0].as_ref().expect_err("the wave fails");
    for result in results {
        let error = result.as_ref().expect_err("every caller fails");
        assert!(
            error.same_execution(first),
            "{error:?} is not the one shared error"
        );
    }
    first
}
