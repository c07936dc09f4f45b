//! Checking what an administrator typed: dates, lists, IP restrictions, names; and the table
//! printer every listing shares.
//!
//! Every check returns an error that names the bad value and says what was expected; nothing
//! here may panic on input or touch the database.

use std::str::FromStr;

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use portico_engine::Registry;
use portico_schema::param::clean;
use portico_schema::{ParamType, SiteSettings, Value};

/// Longest `iprestriction` the tables hold (`char(255)`).
const MAX_IP_RESTRICTION: usize = 255;

/// Unix time of `text`, an RFC 3339 date and time such as `2030-01-31T12:00:00Z`.
pub(crate) fn parse_time(text: &str) -> anyhow::Result<i64> {
    let timestamp = Timestamp::from_str(text.trim()).with_context(|| {
        format!("bad date {text:?}: expected RFC 3339, like 2030-01-31T12:00:00Z")
    })?;
    Ok(timestamp.as_second())
}

/// A future expiry: [`parse_time`], refused when it is already past at `now`.
pub(crate) fn parse_valid_until(text: &str, now: i64) -> anyhow::Result<i64> {
    let time = parse_time(text)?;
    if time <= now {
        bail!("bad date {text:?}: it is already past");
    }
    Ok(time)
}

/// `time` (Unix) as RFC 3339 in UTC; 0 and absent read "never" (Moodle's "no expiry").
pub(crate) fn format_time(time: Option<i64>) -> String {
    match time {
        None | Some(0) => "never".to_owned(),
        Some(time) => Timestamp::from_second(time)
            .map_or_else(|_| time.to_string(), |timestamp| timestamp.to_string()),
    }
}

/// The comma-separated `list` as trimmed, non-empty, distinct items in their order.
pub(crate) fn split_list(list: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        if !items.iter().any(|seen| seen == item) {
            items.push(item.to_owned());
        }
    }
    items
}

/// The functions named in `list`, each checked against `registry`.
pub(crate) fn function_names(list: &str, registry: &Registry) -> anyhow::Result<Vec<String>> {
    let names = split_list(list);
    if names.is_empty() {
        bail!("no function named in {list:?}: give a comma-separated list of function names");
    }
    let unknown: Vec<&str> =
        names.iter().map(String::as_str).filter(|name| registry.get(name).is_none()).collect();
    if !unknown.is_empty() {
        bail!(
            "unknown function{} {} (see `portico functions list`)",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", ")
        );
    }
    Ok(names)
}

/// An IP restriction in Moodle's syntax (comma-separated addresses, CIDR blocks, ranges or
/// prefixes), normalised to entries joined by commas.
///
/// Moodle's matcher silently skips entries it cannot read, so a typo would lock a token out
/// without a word; catching characters no entry can contain makes that mistake visible.
pub(crate) fn ip_restriction(list: &str) -> anyhow::Result<String> {
    let entries = split_list(list);
    if entries.is_empty() {
        bail!("empty IP restriction: give addresses, like 192.168.1.0/24,10.0.0.7");
    }
    for entry in &entries {
        let readable =
            entry.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/' | '-'))
                && entry.chars().any(|c| c.is_ascii_hexdigit());
        if !readable {
            bail!(
                "bad IP restriction entry {entry:?}: expected an address (10.0.0.7), a block \
                 (10.0.0.0/8), a range (10.0.0.1-20) or a prefix (10.0.)"
            );
        }
    }
    let joined = entries.join(",");
    if joined.len() > MAX_IP_RESTRICTION {
        bail!("IP restriction longer than {MAX_IP_RESTRICTION} characters");
    }
    Ok(joined)
}

/// Whether `value` survives Moodle's cleaning rule `param` unchanged.
pub(crate) fn is_clean(value: &str, param: ParamType) -> bool {
    clean(&Value::from(value), param, &SiteSettings::default()) == Value::from(value)
}

/// Prints `rows` under `header` in aligned columns separated by two spaces.
pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|title| title.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}", width = *width))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc_3339() {
        assert_eq!(parse_time("2030-01-01T00:00:00Z").unwrap(), 1_893_456_000);
        assert_eq!(parse_time("2030-01-01T02:00:00+02:00").unwrap(), 1_893_456_000);
        assert!(parse_time("2030-01-01").is_err());
        assert!(parse_time("tomorrow").is_err());
        assert!(parse_valid_until("2001-01-01T00:00:00Z", 1_700_000_000).is_err());
        assert_eq!(format_time(Some(1_893_456_000)), "2030-01-01T00:00:00Z");
        assert_eq!(format_time(Some(0)), "never");
        assert_eq!(format_time(None), "never");
    }

    #[test]
    fn lists_are_trimmed_and_deduplicated() {
        assert_eq!(split_list(" a, b,,a ,c"), ["a", "b", "c"]);
        assert!(split_list(" , ").is_empty());
    }

    #[test]
    fn ip_restrictions_are_checked() {
        let check = |list: &str, expected: Option<&str>| {
            assert_eq!(ip_restriction(list).ok().as_deref(), expected, "{list}");
        };
        check("10.0.0.7", Some("10.0.0.7"));
        check(
            " 192.168.1.0/24 , 10.0.0.1-20,fe80::/64, 10.",
            Some("192.168.1.0/24,10.0.0.1-20,fe80::/64,10."),
        );
        check("localhost", None);
        check("10.0.0.0 /8", None);
        check("", None);
        check(":::", None);
    }

    #[test]
    fn usernames_are_checked_by_moodles_rule() {
        assert!(is_clean("teacher.one@school", ParamType::Username));
        assert!(!is_clean("Teacher", ParamType::Username));
        assert!(!is_clean("a b", ParamType::Username));
        assert!(is_clean("moodle_mobile-app2", ParamType::AlphaNumExt));
        assert!(!is_clean("my service", ParamType::AlphaNumExt));
    }
}
