async fn find(id: u64) -> u64 {
    id
}
::core::compile_error! {
    "`fleet_name` names the function across a fleet, and this one has none: add `fleet` (or `fleet = EXPR`), or remove `fleet_name`"
}
