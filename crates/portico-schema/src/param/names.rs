//! Syntax checks for identifiers: `PARAM_COMPONENT`, `PARAM_PLUGIN`/`PARAM_AREA`,
//! `PARAM_STRINGID` and `PARAM_TIMEZONE` (spec 03 §7, §7.3, §7.4).
//!
//! Each is a `^…$` pattern in Moodle, ported by hand; [`anchored`] adds PCRE's acceptance of one
//! final newline, which Moodle then keeps in the cleaned value.

use super::pcre::{anchored, contains};

/// `PARAM_COMPONENT`: a frankenstyle name such as `mod_forum` or `block_online_users`.
pub(super) fn is_component(name: &[u8]) -> bool {
    if !anchored(name, component_pattern) || contains(name, b"__") {
        return false;
    }
    // Module names cannot contain underscores: `mod_` must be the only one.
    !name.starts_with(b"mod_") || name.iter().filter(|&&b| b == b'_').count() == 1
}

/// Moodle's component pattern: a lower-case letter, letters and digits, then optionally one `_`
/// followed by a letter and at least one more character of `a–z 0–9 _`; the last character is a
/// letter or digit.
fn component_pattern(name: &[u8]) -> bool {
    let [first, .., last] = name else { return false };
    if !first.is_ascii_lowercase() || !is_lower_alnum(*last) {
        return false;
    }
    if !name.iter().all(|&b| is_lower_alnum(b) || b == b'_') {
        return false;
    }
    match name.iter().position(|&b| b == b'_') {
        None => true,
        Some(underscore) => {
            name[underscore + 1].is_ascii_lowercase() && underscore + 2 < name.len()
        }
    }
}

/// `PARAM_PLUGIN` and `PARAM_AREA`: Moodle's plugin-name pattern for plugin types other than
/// `mod`, `/^[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+$/`. The look-ahead guards only the characters
/// after the first, so a double underscore is rejected where it starts at index 2 or later but
/// accepted right after the first letter (`a__b` is a valid name).
pub(super) fn is_plugin_name(name: &[u8]) -> bool {
    anchored(name, |name| {
        let [first, .., last] = name else { return false };
        first.is_ascii_lowercase()
            && is_lower_alnum(*last)
            && name.iter().all(|&b| is_lower_alnum(b) || b == b'_')
            && !name.windows(2).skip(2).any(|pair| pair == b"__")
    })
}

/// `PARAM_STRINGID`: an ASCII letter followed by any of `A–Z a–z 0–9 . : / _ -`.
pub(super) fn is_string_id(id: &[u8]) -> bool {
    anchored(id, |id| {
        let Some((first, rest)) = id.split_first() else { return false };
        first.is_ascii_alphabetic()
            && rest.iter().all(|&b| b.is_ascii_alphanumeric() || b".:/_-".contains(&b))
    })
}

/// `PARAM_TIMEZONE` (spec 03 §7.3): a UTC offset such as `-12.5` or `+13.0`, the literal `99`,
/// or a zone name such as `America/Port-au-Prince` or `PST8PDT`.
pub(super) fn is_timezone(zone: &[u8]) -> bool {
    anchored(zone, |zone| is_offset(zone) || zone == b"99" || is_zone_name(zone))
}

/// `[+-]?(0?[0-9](\.[5|0])?|1[0-3](\.0)?|1[0-2]\.5)`; the `|` inside the class is a literal
/// accepted by Moodle's pattern (`'5.|'` is a valid timezone).
fn is_offset(zone: &[u8]) -> bool {
    let number = zone.strip_prefix(b"+").or_else(|| zone.strip_prefix(b"-")).unwrap_or(zone);
    let single = |digits: &[u8]| match digits {
        [d] => d.is_ascii_digit(),
        [d, b'.', half] => d.is_ascii_digit() && matches!(half, b'5' | b'0' | b'|'),
        _ => false,
    };
    single(number)
        || number.strip_prefix(b"0").is_some_and(single)
        || matches!(number, [b'1', b'0'..=b'3'] | [b'1', b'0'..=b'3', b'.', b'0'])
        || matches!(number, [b'1', b'0'..=b'2', b'.', b'5'])
}

/// `[[:alnum:]]+(\/?[[:alpha:]_-])+`: an alphanumeric run, then at least one unit of an optional
/// `/` and a letter, `_` or `-`. Letters ending the alphanumeric run can serve as units, so
/// `PST8PDT` matches and a single character does not.
fn is_zone_name(zone: &[u8]) -> bool {
    let is_unit_char = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b'-';
    let run = zone.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    if run == 0 {
        return false;
    }
    let mut rest = &zone[run..];
    let has_units = !rest.is_empty() || (run >= 2 && zone[run - 1].is_ascii_alphabetic());
    while let Some((&first, tail)) = rest.split_first() {
        rest = match (first, tail) {
            (b'/', [next, tail @ ..]) if is_unit_char(*next) => tail,
            (unit, _) if is_unit_char(unit) => tail,
            _ => return false,
        };
    }
    has_units
}

/// `[a-z0-9]`.
fn is_lower_alnum(byte: u8) -> bool {
    byte.is_ascii_lowercase() || byte.is_ascii_digit()
}
