fn find(id: u64) -> u64 {
    id
}
::core::compile_error! {
    "unknown `#[coalesce]` option `ttl`; valid options are `key`, `group`, `crate`, `detached`, `log_key`, `fleet`, `fleet_name`"
}
