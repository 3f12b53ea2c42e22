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

use std::sync::Arc;

/// Every result is an error, and all of them are the same shared error.
fn assert_one_shared_error<T: std::fmt::Debug, E: std::fmt::Debug>(
    results: &[Result<T, Arc<E>>],
) -> Arc<E> {
    let first = results[0].as_ref().expect_err("the wave fails").clone();
    for result in results {
        let error = result.as_ref().expect_err("every caller fails");
        assert!(
            Arc::ptr_eq(error, &first),
            "{error:?} is not the one shared error"
        );
    }
    first
}
