fn find<T>(id: u64) -> u64 {
    id
}
::core::compile_error! {
    "the key uses `user_id`, which is not an argument of `find`; a key is an expression over the arguments: `id`"
}
