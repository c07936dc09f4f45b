//! IP restrictions in Moodle's `address_in_subnet` syntax (spec 02 §13).
//!
//! Tokens, authorised users and user keys carry an `iprestriction`: a comma-separated list whose
//! entries are each one of
//!
//! * a full address, `192.168.1.7` or `2001:db8::1`;
//! * a CIDR block, `192.168.10.0/24`, `fe80::/64` (`/0` admits every address of that family);
//! * a range in the last group, `192.168.10.1-20` or `2001:db8::1-ff` (the end is the last group
//!   alone, hexadecimal for IPv6);
//! * an address prefix, `192.168.` or `192.168` (whole groups: `/8`, `/16`, `/24`), and for
//!   IPv6 `fe80:` or `2001:db8` (`/16` per group).
//!
//! Entries that do not parse are skipped, never an error: a restriction made only of garbage
//! admits nobody. The unspecified IPv4 address `0.0.0.0` (what Moodle reports when it cannot tell
//! the client's address) is never inside any restriction. An IPv4 client never matches an IPv6
//! entry and vice versa.
//!
//! Addresses in entries are read as Moodle's `cleanremoteaddr` reads them: IPv4 groups may carry
//! leading zeros (`010.1.1.1` is `10.1.1.1`); IPv6 accepts one `::` and a trailing dotted IPv4
//! part. Two defects of Moodle's parser are deliberately not copied (spec README, decision 2):
//! an IPv6 prefix written with a trailing colon and more than one group (`2001:db8:`) and the
//! full address `fe80::` never match anything in Moodle, while here they mean what they say; and
//! a trailing dotted IPv4 part is converted correctly (Moodle drops leading zeros of each byte).
//!
//! This module is pure: no I/O, no allocation beyond splitting the list.

use std::net::IpAddr;

/// Whether `addr` lies inside the restriction `subnets` (Moodle's `address_in_subnet`).
///
/// An empty restriction contains nothing; callers treat a null or empty `iprestriction` as "no
/// restriction" before asking.
pub fn address_in_subnet(addr: IpAddr, subnets: &str) -> bool {
    let addr = match addr.to_canonical() {
        IpAddr::V4(v4) if v4.is_unspecified() => return false,
        IpAddr::V4(v4) => Addr::V4(v4.to_bits()),
        IpAddr::V6(v6) => Addr::V6(v6.segments()),
    };
    subnets
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| Entry::parse(entry).is_some_and(|entry| entry.contains(addr)))
}

/// A client address, IPv4 as a number, IPv6 as its eight groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Addr {
    V4(u32),
    V6([u16; 8]),
}

/// One parsed entry of a restriction list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// Exactly this address.
    Exact(Addr),
    /// The first `bits` bits equal those of the address.
    Cidr(Addr, u32),
    /// IPv4 `start` to `end` inclusive.
    RangeV4(u32, u32),
    /// IPv6 addresses whose first seven groups are `prefix` and whose last lies in `start..=end`.
    RangeV6([u16; 7], u16, u16),
}

impl Entry {
    fn parse(entry: &str) -> Option<Entry> {
        if let Some((ip, mask)) = entry.split_once('/') {
            // Moodle reads only the first two `/`-separated parts.
            let mask = mask.split('/').next().unwrap_or("");
            let bits = parse_mask(mask.trim())?;
            let ip = clean(ip)?;
            let max = if matches!(ip, Addr::V4(_)) { 32 } else { 128 };
            return (0..=max).contains(&bits).then_some(Entry::Cidr(ip, bits as u32));
        }
        if entry.contains('-') {
            let (start, end) = entry.split_once('-')?;
            if end.contains('-') {
                return None;
            }
            let end = end.trim();
            return if entry.contains(':') {
                let Addr::V6(start) = clean(start)? else { return None };
                let end = parse_hex_group(end)?;
                let mut prefix = [0u16; 7];
                prefix.copy_from_slice(&start[..7]);
                Some(Entry::RangeV6(prefix, start[7], end))
            } else {
                let Addr::V4(start) = clean(start)? else { return None };
                let end = parse_dec_byte(end)?;
                Some(Entry::RangeV4(start, (start & 0xffff_ff00) | u32::from(end)))
            };
        }
        if entry.contains(':') {
            if let Some(addr @ Addr::V6(_)) = clean(entry) {
                return Some(Entry::Exact(addr));
            }
            let groups: Vec<&str> = entry.trim_end_matches(':').split(':').collect();
            if groups.is_empty() || groups.len() > 8 {
                return None;
            }
            let mut segments = [0u16; 8];
            for (segment, group) in segments.iter_mut().zip(&groups) {
                *segment = parse_hex_group(group)?;
            }
            return Some(Entry::Cidr(Addr::V6(segments), 16 * groups.len() as u32));
        }
        let trimmed = entry.strip_suffix('.').unwrap_or(entry);
        let groups: Vec<&str> = trimmed.split('.').collect();
        if groups.len() == 4 {
            return clean(trimmed).map(Entry::Exact);
        }
        if groups.len() > 4 {
            return None;
        }
        // An incomplete address is a prefix of whole bytes; Moodle pads it with `.0` and reads
        // it as CIDR, so each group must be a valid byte.
        let mut bits = 0u32;
        for (index, group) in groups.iter().enumerate() {
            bits |= u32::from(parse_dec_byte(group)?) << (24 - 8 * index);
        }
        Some(Entry::Cidr(Addr::V4(bits), 8 * groups.len() as u32))
    }

    fn contains(self, addr: Addr) -> bool {
        match (self, addr) {
            (Entry::Exact(entry), addr) => entry == addr,
            (Entry::Cidr(Addr::V4(net), bits), Addr::V4(addr)) => {
                let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
                addr & mask == net & mask
            }
            (Entry::Cidr(Addr::V6(net), bits), Addr::V6(addr)) => {
                let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
                let net = segments_to_u128(net);
                segments_to_u128(addr) & mask == net & mask
            }
            (Entry::RangeV4(start, end), Addr::V4(addr)) => (start..=end).contains(&addr),
            (Entry::RangeV6(prefix, start, end), Addr::V6(addr)) => {
                addr[..7] == prefix && (start..=end).contains(&addr[7])
            }
            _ => false,
        }
    }
}

fn segments_to_u128(segments: [u16; 8]) -> u128 {
    segments.iter().fold(0u128, |acc, &segment| (acc << 16) | u128::from(segment))
}

/// A mask as Moodle's `is_number` accepts it: optional sign, then ASCII digits.
fn parse_mask(mask: &str) -> Option<i64> {
    let digits = mask.strip_prefix(['+', '-']).unwrap_or(mask);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Absurdly long numbers are out of range either way.
    let value: i64 = digits.parse().unwrap_or(i64::MAX);
    Some(if mask.starts_with('-') { -value } else { value })
}

/// One to three decimal digits, at most 255.
fn parse_dec_byte(group: &str) -> Option<u8> {
    if group.is_empty() || group.len() > 3 || !group.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    group.parse::<u16>().ok().and_then(|value| u8::try_from(value).ok())
}

/// One to four hexadecimal digits.
fn parse_hex_group(group: &str) -> Option<u16> {
    if group.is_empty() || group.len() > 4 || !group.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(group, 16).ok()
}

/// An address read as Moodle's `cleanremoteaddr` reads it, or `None` when it is not one.
fn clean(addr: &str) -> Option<Addr> {
    let addr = addr.trim();
    if !addr.contains(':') {
        let groups: Vec<&str> = addr.split('.').collect();
        if groups.len() != 4 {
            return None;
        }
        let mut value = 0u32;
        for group in groups {
            value = (value << 8) | u32::from(parse_dec_byte(group)?);
        }
        return Some(Addr::V4(value));
    }
    let mut parts: Vec<String> = addr.split(':').map(str::to_owned).collect();
    if parts.last().is_some_and(|last| last.contains('.')) {
        let Some(Addr::V4(v4)) = parts.pop().as_deref().and_then(clean) else { return None };
        parts.push(format!("{:x}", v4 >> 16));
        parts.push(format!("{:x}", v4 & 0xffff));
    }
    let count = parts.len();
    if !(3..=8).contains(&count) {
        return None;
    }
    if count != 8 {
        if !addr.contains("::") {
            return None;
        }
        // Expand the first empty group into the missing zero groups; any other empty group
        // (the second half of a leading or trailing `::`) is a zero group too.
        let at = parts.iter().position(String::is_empty)?;
        parts.splice(at..=at, std::iter::repeat_n(String::from("0"), 9 - count));
    }
    let mut segments = [0u16; 8];
    for (segment, part) in segments.iter_mut().zip(&parts) {
        *segment = if part.is_empty() && count != 8 { 0 } else { parse_hex_group(part)? };
    }
    Some(Addr::V6(segments))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(addr: &str, restriction: &str, expected: bool) {
        let ip: IpAddr = addr.parse().expect("test addresses are valid");
        assert_eq!(
            address_in_subnet(ip, restriction),
            expected,
            "address_in_subnet({addr}, {restriction:?})"
        );
    }

    #[test]
    fn full_addresses() {
        check("192.168.1.7", "192.168.1.7", true);
        check("192.168.1.7", "192.168.1.8", false);
        check("192.168.1.7", " 10.0.0.1 , 192.168.1.7 ", true);
        check("10.1.1.1", "010.001.1.1", true);
        check("192.168.1.7", "192.168.1.256", false);
        check("2001:db8::1", "2001:db8::1", true);
        check("2001:db8::1", "2001:0DB8:0:0:0:0:0:0001", true);
        check("2001:db8::1", "2001:db8::2", false);
        check("::1", "::1", true);
        // Moodle reads a triple colon as a double one.
        check("2001:db8::1", "2001:db8:::1", true);
        check("fe80::", "fe80::", true);
    }

    #[test]
    fn cidr_blocks() {
        check("192.168.10.77", "192.168.10.0/24", true);
        check("192.168.11.77", "192.168.10.0/24", false);
        check("192.168.11.77", "192.168.10.0/23", true);
        check("8.8.8.8", "0.0.0.0/0", true);
        check("8.8.8.8", "8.8.8.8/32", true);
        check("8.8.8.9", "8.8.8.8/32", false);
        check("8.8.8.8", "8.8.8.8/33", false);
        check("8.8.8.8", "8.8.8.8/x", false);
        check("8.8.8.8", "8.8.8.8/+8", true);
        check("8.8.8.8", "8.8.8.8/-1", false);
        check("fe80::1234", "fe80::/64", true);
        check("fe81::1234", "fe80::/64", false);
        check("fe80::1234", "fe80::/10", true);
        check("febf::1", "fe80::/10", true);
        check("fec0::1", "fe80::/10", false);
        check("2001:db8::1", "::/0", true);
        check("2001:db8::1", "2001:db8::1/128", true);
        check("2001:db8::1", "2001:db8::/129", false);
    }

    #[test]
    fn families_never_mix() {
        check("10.0.0.1", "::/0", false);
        check("2001:db8::1", "0.0.0.0/0", false);
        check("10.0.0.1", "fe80:", false);
        check("2001:db8::1", "10.", false);
        check("::ffff:10.0.0.1", "10.0.0.0/8", true);
    }

    #[test]
    fn ranges_in_the_last_group() {
        check("192.168.10.1", "192.168.10.1-20", true);
        check("192.168.10.20", "192.168.10.1-20", true);
        check("192.168.10.21", "192.168.10.1-20", false);
        check("192.168.11.5", "192.168.10.1-20", false);
        check("192.168.10.5", "192.168.10.1-256", false);
        check("192.168.10.5", "192.168.10.1-2-3", false);
        check("192.168.10.5", "192.168.10.10-1", false);
        check("2001:db8::5", "2001:db8::1-ff", true);
        check("2001:db8::100", "2001:db8::1-ff", false);
        check("2001:db9::5", "2001:db8::1-ff", false);
    }

    #[test]
    fn prefixes() {
        check("192.168.3.4", "192.168.", true);
        check("192.168.3.4", "192.168", true);
        check("192.169.3.4", "192.168.", false);
        check("192.3.4.5", "192", true);
        check("192.168.3.4", "192.168.3", true);
        check("192.168.3.4", "192.168.3.4.5", false);
        check("192.168.3.4", "192.x.", false);
        check("fe80::1", "fe80:", true);
        check("fe80::1", "fe80", false);
        check("fe80::1", "fe80:0", true);
        check("2001:db8:1::1", "2001:db8", true);
        check("2001:db8:1::1", "2001:db8:", true);
        check("2001:db9::1", "2001:db8", false);
    }

    #[test]
    fn the_unknown_address_and_garbage_match_nothing() {
        check("0.0.0.0", "0.0.0.0/0", false);
        check("0.0.0.0", "0.0.0.0", false);
        check("1.2.3.4", "", false);
        check("1.2.3.4", " , ,", false);
        check("1.2.3.4", "not an address", false);
        check("1.2.3.4", "1.2.3.4/", false);
        check("2001:db8::1", "2001:db8::1::", false);
        check("2001:db8::1", "1:2:3:4:5:6:7:8:9", false);
        check("2001:db8::1", "zzzz::1", false);
    }
}
