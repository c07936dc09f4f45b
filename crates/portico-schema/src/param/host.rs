//! `PARAM_HOST`: a domain name or an IPv4 dotted quad (spec 03 §7.2).

use super::pcre::anchored;

/// Moodle's `ip_utils::is_domain_name`: trailing dots ignored, at most 253 bytes, labels of
/// 1–63 alphanumerics and inner hyphens each followed by `.`, then a last label that starts
/// with a letter (any length).
pub(super) fn is_domain_name(name: &[u8]) -> bool {
    let end = name.iter().rposition(|&b| b != b'.').map_or(0, |last| last + 1);
    let name = &name[..end];
    if name.len() > 253 {
        return false;
    }
    anchored(name, |name| {
        let mut labels = name.split(|&b| b == b'.');
        let top = labels.next_back().unwrap_or_default();
        labels.all(|label| label.len() <= 63 && is_label(label))
            && top.first().is_some_and(u8::is_ascii_alphabetic)
            && is_label(top)
    })
}

/// Alphanumerics and hyphens, starting and ending with an alphanumeric.
fn is_label(label: &[u8]) -> bool {
    let [first, .., last] = label else {
        return label.first().is_some_and(u8::is_ascii_alphanumeric);
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// PHP's `filter_var($address, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4)`: four decimal numbers of
/// at most three digits, each at most 255, no leading zeros, separated by dots, nothing else.
pub(super) fn is_ipv4_address(address: &[u8]) -> bool {
    // PHP picks the IPv6 parser as soon as it sees a colon, and that parser is excluded here.
    if address.contains(&b':') {
        return false;
    }
    let mut parts = 0;
    for part in address.split(|&b| b == b'.') {
        parts += 1;
        let valid = !part.is_empty()
            && part.len() <= 3
            && part.iter().all(u8::is_ascii_digit)
            && (part[0] != b'0' || part.len() == 1)
            && part.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= 255;
        if !valid {
            return false;
        }
    }
    parts == 4
}
