//! Compile-time behaviour of `#[coalesce]`: every diagnostic (one file each,
//! named after it) and every supported signature shape.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}

/// Fleet mode's diagnostics and shapes, in `tests/ui/fleet/`: they need the
/// `fleet` feature, which the globs above would not know to skip.
#[cfg(feature = "fleet")]
#[test]
fn ui_fleet() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fleet/*.rs");
    cases.pass("tests/ui/fleet/pass/*.rs");
}

/// `fleet` without the feature: one error that names the feature.
#[cfg(not(feature = "fleet"))]
#[test]
fn ui_without_fleet() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/without_fleet/*.rs");
}
