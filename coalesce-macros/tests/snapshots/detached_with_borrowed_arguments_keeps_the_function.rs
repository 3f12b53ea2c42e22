async fn fetch(&self, url: &str) -> String {
    url.to_owned()
}
::core::compile_error! {
    "`detached` keeps the body running after its caller is gone, so it must own its inputs, but `self` borrows (`&Self`): take `self: Arc<Self>` (or `self` by value), or remove `detached` (a dropped caller then hands off to a waiting one, which runs its own body)"
}
::core::compile_error! {
    "`detached` keeps the body running after its caller is gone, so it must own its inputs, but `url` borrows (`&str`): take an owned type (`String` for `&str`, `Vec<T>` for `&[T]`, `T` or `Arc<T>` for `&T`), or remove `detached` (a dropped caller then hands off to a waiting one, which runs its own body)"
}
