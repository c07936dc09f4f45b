//! Misuse of `#[derive(Describe)]` fails to compile, with a message pointing at the mistake
//! (fixtures in `tests/fail/`).

#[test]
fn misuse_fails_to_compile_with_a_clear_error() {
    trybuild::TestCases::new().compile_fail("tests/fail/*.rs");
}
