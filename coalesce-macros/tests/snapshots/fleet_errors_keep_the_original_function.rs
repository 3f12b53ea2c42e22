fn find(id: u64) -> u64 {
    id
}
::core::compile_error! {
    "fleet mode needs an async fn: Redis is reached asynchronously; make `find` an `async fn`, or remove `fleet`"
}
