//! Compile-time behaviour of `#[coalesce]`: every diagnostic (one file each,
//! named after it) and every supported signature shape.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
