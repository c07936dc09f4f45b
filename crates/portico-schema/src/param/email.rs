//! `PARAM_EMAIL`: Moodle's `validate_email` (spec 03 §7.2).
//!
//! Moodle asks PHPMailer, whose default validator is PHP's `FILTER_VALIDATE_EMAIL`, and then
//! refuses `<` and `>`. PHP's filter is one large regular expression with look-aheads; it is
//! ported here as a parser, with each look-ahead written as the count it performs.

use super::pcre::contains;

/// Whether Moodle's `validate_email` accepts `address`.
pub(super) fn is_valid_email(address: &[u8]) -> bool {
    // PHPMailer refuses line breaks before it asks PHP.
    !address.is_empty()
        && !contains(address, b"\n")
        && !contains(address, b"\r")
        && php_filter_email(address)
        && !address.iter().any(|&b| b == b'<' || b == b'>')
}

/// PHP's `filter_var($address, FILTER_VALIDATE_EMAIL)` without `FILTER_FLAG_EMAIL_UNICODE`.
fn php_filter_email(address: &[u8]) -> bool {
    if address.len() > 320 || exceeds_unit_limits(address) {
        return false;
    }
    let Some(domain_start) = local_part_end(address) else { return false };
    let domain = &address[domain_start..];
    if let Some(literal) = domain.strip_prefix(b"[") {
        literal.strip_suffix(b"]").is_some_and(|inner| is_address_literal(inner, literal))
    } else {
        is_host_name(domain)
    }
}

/// The filter's two leading look-aheads. They count "units" from the start of the string, a unit
/// being a character other than `\` and `"`, or `\` with an ASCII character, each optionally
/// wrapped in a `"` on either side. The address is refused if 255 units can be matched, or if 65
/// or more units can be matched with an `@` right after them.
fn exceeds_unit_limits(address: &[u8]) -> bool {
    let length = address.len();
    let mut reachable = vec![false; length + 1];
    reachable[0] = true;
    for units in 1..=255 {
        let mut next = vec![false; length + 1];
        for start in (0..=length).filter(|&position| reachable[position]) {
            let mut core_starts = vec![start];
            if address.get(start) == Some(&b'"') {
                core_starts.push(start + 1);
            }
            for core in core_starts {
                let end = match (address.get(core), address.get(core + 1)) {
                    (Some(b'\\'), Some(&escaped)) if escaped <= 0x7e => core + 2,
                    (Some(&c), _) if c != b'\\' && c != b'"' => core + 1,
                    _ => continue,
                };
                next[end] = true;
                if address.get(end) == Some(&b'"') {
                    next[end + 1] = true;
                }
            }
        }
        if !next.contains(&true) {
            return false;
        }
        if units >= 65 && (0..length).any(|position| next[position] && address[position] == b'@') {
            return true;
        }
        reachable = next;
    }
    true
}

/// Parses the local part (dot-separated atoms and quoted strings) and the `@`; returns where the
/// domain starts.
fn local_part_end(address: &[u8]) -> Option<usize> {
    let mut position = 0;
    loop {
        if address.get(position) == Some(&b'"') {
            position += 1;
            loop {
                match *address.get(position)? {
                    b'"' => break,
                    b'\\' => {
                        if *address.get(position + 1)? > 0x7f {
                            return None;
                        }
                        position += 2;
                    }
                    c if is_quoted_text(c) => position += 1,
                    _ => return None,
                }
            }
            position += 1;
        } else {
            let atom = address[position..].iter().take_while(|&&c| is_atom_text(c)).count();
            if atom == 0 {
                return None;
            }
            position += atom;
        }
        match address.get(position)? {
            b'.' => position += 1,
            b'@' => return Some(position + 1),
            _ => return None,
        }
    }
}

/// Characters of an unquoted local-part word (the filter's class, case-insensitive).
fn is_atom_text(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&c)
}

/// Characters allowed unescaped between quotes.
fn is_quoted_text(c: u8) -> bool {
    matches!(c, 0x01..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x21 | 0x23..=0x5b | 0x5d..=0x7f)
}

/// A host name of at least two labels; labels are alphanumeric runs joined by hyphen runs, at
/// most 63 characters, and the last starts with a letter.
fn is_host_name(domain: &[u8]) -> bool {
    let labels: Vec<&[u8]> = domain.split(|&b| b == b'.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            label.len() <= 63
                && label.first().is_some_and(u8::is_ascii_alphanumeric)
                && label.last().is_some_and(u8::is_ascii_alphanumeric)
                && label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
        && labels.last().and_then(|top| top.first()).is_some_and(u8::is_ascii_alphabetic)
}

/// The text between `[` and the final `]`: an IPv4 address, or after `IPv6:` a full, compressed
/// or IPv4-embedding IPv6 address. `rest` is the string after `[`, which the IPv6 look-aheads
/// scan to the end (closing bracket included).
fn is_address_literal(inner: &[u8], rest: &[u8]) -> bool {
    if is_ipv4(inner) {
        return true;
    }
    let Some(ipv6) = strip_prefix_ignore_case(inner, b"IPv6:") else { return false };
    let scanned = &rest[5..];
    let ends_group = |separators: &[u8]| {
        scanned.windows(2).filter(|pair| is_hex(pair[0]) && separators.contains(&pair[1])).count()
    };
    if groups_within(ipv6, 8, 8) {
        return true;
    }
    if let Some((left, right)) = split_double_colon(ipv6)
        && ends_group(b":]") < 7
        && groups_or_empty(left, 6)
        && groups_or_empty(right, 6)
    {
        return true;
    }
    // IPv4 embedded after six groups, or after a compressed run of at most eight groups.
    if let Some(last_colon) = ipv6.iter().rposition(|&b| b == b':') {
        let (groups, ipv4) = (&ipv6[..last_colon], &ipv6[last_colon + 1..]);
        if is_ipv4(ipv4) && groups_within(groups, 6, 6) {
            return true;
        }
    }
    if let Some((left, right)) = split_double_colon(ipv6)
        && ends_group(b":") < 5
        && groups_or_empty(left, 4)
    {
        return match right.iter().rposition(|&b| b == b':') {
            None => is_ipv4(right),
            Some(colon) => groups_within(&right[..colon], 1, 4) && is_ipv4(&right[colon + 1..]),
        };
    }
    false
}

/// Splits at the first `::`, the only place a valid compressed address can have it.
fn split_double_colon(address: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = address.windows(2).position(|pair| pair == b"::")?;
    Some((&address[..at], &address[at + 2..]))
}

/// Empty, or 1 to `max` hexadecimal groups.
fn groups_or_empty(text: &[u8], max: usize) -> bool {
    text.is_empty() || groups_within(text, 1, max)
}

/// `min` to `max` groups of one to four hexadecimal digits separated by single colons.
fn groups_within(text: &[u8], min: usize, max: usize) -> bool {
    let mut count = 0;
    for group in text.split(|&b| b == b':') {
        count += 1;
        if group.is_empty() || group.len() > 4 || !group.iter().all(|&b| is_hex(b)) {
            return false;
        }
    }
    (min..=max).contains(&count)
}

/// A hexadecimal digit (the filter is case-insensitive).
fn is_hex(byte: u8) -> bool {
    byte.is_ascii_hexdigit()
}

/// A dotted quad of decimal numbers 0–255 without leading zeros.
fn is_ipv4(text: &[u8]) -> bool {
    let parts: Vec<&[u8]> = text.split(|&b| b == b'.').collect();
    parts.len() == 4
        && parts.iter().all(|part| match part {
            [d] => d.is_ascii_digit(),
            [b'1'..=b'9', d] => d.is_ascii_digit(),
            [b'1', a, b] => a.is_ascii_digit() && b.is_ascii_digit(),
            [b'2', b'0'..=b'4', d] => d.is_ascii_digit(),
            [b'2', b'5', b'0'..=b'5'] => true,
            _ => false,
        })
}

/// `text` without `prefix`, compared ignoring ASCII case.
fn strip_prefix_ignore_case<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &text[prefix.len()..])
}
