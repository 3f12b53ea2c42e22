//! `Fleet::connect` fails with a message that says what to do when Redis
//! cannot be reached or the URL is not one.

use std::net::TcpListener;
use std::time::Duration;

use coalesce::Fleet;

use crate::support::within;

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_redis_says_how_to_fix_it() {
    // A loopback port that nobody listens on once the listener is dropped.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("its address").port()
    };
    let error = within(
        Fleet::builder(format!("redis://127.0.0.1:{port}"))
            .redis_timeout(Duration::from_millis(300))
            .connect(),
    )
    .await
    .expect_err("nothing listens there");
    let text = error.to_string();
    assert!(
        text.contains(&format!("127.0.0.1:{port}")) && text.contains("is it running?"),
        "{text}"
    );
    assert!(
        text.contains("still coalesces within this process"),
        "{text}"
    );
}

#[tokio::test]
async fn a_url_of_another_scheme_says_which_to_write() {
    let error = within(Fleet::connect("http://127.0.0.1:6379"))
        .await
        .expect_err("not a Redis URL");
    let text = error.to_string();
    assert!(text.contains("redis://host:port"), "{text}");
}

#[test]
fn connecting_outside_a_tokio_runtime_says_what_it_needs() {
    let error = futures::executor::block_on(Fleet::connect("redis://127.0.0.1:6379"))
        .expect_err("no tokio runtime");
    let text = error.to_string();
    assert!(text.contains("tokio runtime"), "{text}");
}
