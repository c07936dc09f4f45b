//! The pieces of PHP's PCRE semantics that Moodle's patterns depend on.
//!
//! Moodle writes its checks as `preg_match('/^…$/', …)`. Two PCRE details change what such a
//! check accepts, so the hand-written ports in the sibling modules share them from here: `$`
//! without the `D` modifier also matches before one final newline, and the `u` modifier turns
//! on Unicode properties (`PCRE2_UCP`), which widens `\s` and `[[:cntrl:]]` beyond ASCII.

/// Whether a `^…$` pattern (without `D`) accepts `subject`, given `matches`, which decides the
/// pattern with a strict end anchor: PCRE's `$` also matches before a final `\n`, so
/// `"mod_forum\n"` passes a component check and is kept, newline included.
pub(super) fn anchored(subject: &[u8], matches: impl Fn(&[u8]) -> bool) -> bool {
    matches(subject) || subject.strip_suffix(b"\n").is_some_and(matches)
}

/// `\s` without the `u` modifier: space, `\t`, `\n`, `\v`, `\f`, `\r`.
pub(super) fn is_ascii_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t'..=b'\r')
}

/// `\s` under the `u` modifier (`PCRE2_UCP`): `\p{Z}`, `\h` and `\v`, which adds NEL, NBSP and
/// the Unicode spaces and separators to the ASCII set.
pub(super) fn is_ucp_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{180e}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `[[:cntrl:]]` under the `u` modifier: general category `Cc` (U+0000–U+001F, U+007F–U+009F).
pub(super) fn is_ucp_cntrl(c: char) -> bool {
    c.is_control()
}

/// The C library's `isspace()` in the C locale, which PHP's tag stripper uses.
pub(super) fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Whether `needle` occurs in `haystack` (PHP's `strpos(…) !== false`).
pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window == needle)
}
