//! The `#[coalesce]` attribute. Use it through the `coalesce` crate.

#![forbid(unsafe_code)]
