//! A body may call its own function with a different key.

mod support;

use std::future::Future;
use std::pin::Pin;

use coalesce::coalesce;
use support::within;

/// Sums `1..=n` by calling itself with `n - 1`: every level is a new key.
#[coalesce]
async fn sum(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    // Boxed without `Send`: a recursive future cannot prove its own auto traits.
    let inner: Pin<Box<dyn Future<Output = u64>>> = Box::pin(sum(n - 1));
    n + inner.await
}

#[tokio::test]
async fn a_body_calling_itself_with_another_key_completes() {
    assert_eq!(within(sum(10)).await, 55);
}
