async fn fetch(&self, url: &str) -> String {
    url.to_owned()
}
::core::compile_error! {
    "`on_leader_drop = \"continue\"` keeps the body running after its caller is gone, so it must own its inputs, but `self` borrows (`&Self`): take `self: Arc<Self>` (or `self` by value), or keep the default `on_leader_drop = \"handoff\"`"
}
::core::compile_error! {
    "`on_leader_drop = \"continue\"` keeps the body running after its caller is gone, so it must own its inputs, but `url` borrows (`&str`): take an owned type (`String` for `&str`, `Vec<T>` for `&[T]`, `T` or `Arc<T>` for `&T`), or keep the default `on_leader_drop = \"handoff\"`"
}
