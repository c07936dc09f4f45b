//! The rules that rewrite a string rather than keep or reject it: `PARAM_FILE`, `PARAM_PATH`,
//! `PARAM_USERNAME`, `PARAM_TAG`, `PARAM_TAGLIST`, `PARAM_BASE64` and `PARAM_PEM` (spec 03 §7).
//!
//! Inputs are PHP string forms; all but base64 and PEM arrive UTF-8 repaired, as Moodle repairs
//! them first.

use super::pcre::{is_ascii_space, is_ucp_cntrl, is_ucp_space};
use super::{is_empty, is_empty_string, php_trim, string_of};
use crate::value::{PhpString, Value};

/// `PARAM_FILE`: delete control characters (Unicode `Cc`, as Moodle's pattern has the `u`
/// modifier), ampersands, `<`, `>`, double quotes, backticks, `|`, `'`, `:`, backslashes and `/`;
/// `.` and `..` become `''`.
pub(super) fn clean_file_name(name: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(name);
    let cleaned: String =
        text.chars().filter(|&c| !is_ucp_cntrl(c) && !"&<>\"`|':\\/".contains(c)).collect();
    if cleaned == "." || cleaned == ".." { Vec::new() } else { cleaned.into_bytes() }
}

/// `PARAM_PATH`: backslashes become slashes, every segment is cleaned as a file name (except a
/// leading `.`), then runs of `/` collapse and `/./` sequences shrink to `/`.
pub(super) fn clean_path(path: &[u8]) -> Vec<u8> {
    let path: Vec<u8> = path.iter().map(|&b| if b == b'\\' { b'/' } else { b }).collect();
    let mut joined = Vec::with_capacity(path.len());
    for (index, segment) in path.split(|&b| b == b'/').enumerate() {
        if index > 0 {
            joined.push(b'/');
        }
        if index == 0 && segment == b"." {
            joined.push(b'.');
        } else {
            joined.extend_from_slice(&clean_file_name(segment));
        }
    }
    let mut collapsed: Vec<u8> = Vec::with_capacity(joined.len());
    for &byte in &joined {
        if !(byte == b'/' && collapsed.last() == Some(&b'/')) {
            collapsed.push(byte);
        }
    }
    let mut out = Vec::with_capacity(collapsed.len());
    let mut rest = collapsed.as_slice();
    while let Some((&byte, tail)) = rest.split_first() {
        out.push(byte);
        rest = tail;
        if byte == b'/' {
            while let Some(after) = rest.strip_prefix(b"./") {
                rest = after;
            }
        }
    }
    out
}

/// `PARAM_USERNAME`: trimmed and lower-cased (Unicode); unless the site allows extended
/// characters, spaces go and only `a–z 0–9 - . @ _` stay.
pub(super) fn clean_username(name: &[u8], extended: bool) -> PhpString {
    let lower = String::from_utf8_lossy(&php_trim(name)).to_lowercase();
    if extended {
        return PhpString::from(lower);
    }
    let kept: Vec<u8> = lower
        .bytes()
        .filter(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.@_".contains(&b))
        .collect();
    PhpString::from(kept)
}

/// Longest tag Moodle stores (`TAG_MAX_LENGTH`), in characters.
const TAG_MAX_LENGTH: usize = 50;

/// `PARAM_TAG`: delete control characters and `<`, `>`, `` ` ``; each run of (Unicode) whitespace
/// becomes one space; trim; keep at most 50 characters.
pub(super) fn clean_tag(tag: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(tag);
    let mut spaced = String::with_capacity(text.len());
    for c in text.chars().filter(|&c| !is_ucp_cntrl(c) && !"<>`".contains(c)) {
        if !is_ucp_space(c) {
            spaced.push(c);
        } else if !spaced.ends_with(' ') {
            spaced.push(' ');
        }
    }
    let trimmed = php_trim(spaced.as_bytes());
    String::from_utf8_lossy(&trimmed).chars().take(TAG_MAX_LENGTH).collect::<String>().into_bytes()
}

/// `PARAM_TAGLIST`: comma-separated tags, each cleaned as `PARAM_TAG`, empty ones dropped.
pub(super) fn clean_tag_list(list: &[u8]) -> Vec<u8> {
    let tags: Vec<Vec<u8>> =
        list.split(|&b| b == b',').map(clean_tag).filter(|tag| !tag.is_empty()).collect();
    tags.join(&b',')
}

/// Longest line of Moodle's canonical base64, in bytes.
const BASE64_LINE: usize = 64;

/// `PARAM_BASE64`: a non-empty value of base64 characters and whitespace whose whitespace-separated
/// lines are 64 bytes long (the last at most 64) becomes those lines joined by `\n`; anything else
/// is `''`.
pub(super) fn clean_base64(value: &Value) -> Vec<u8> {
    if is_empty(value) {
        return Vec::new();
    }
    let text = string_of(value);
    let is_base64 = |b: u8| is_ascii_space(b) || b.is_ascii_alphanumeric() || b"_/+=".contains(&b);
    // The character check runs on the trimmed value, the line split on the original.
    let trimmed = php_trim(&text);
    if trimmed.is_empty() || !trimmed.iter().all(|&b| is_base64(b)) {
        return Vec::new();
    }
    let lines: Vec<&[u8]> =
        text.split(|&b| is_ascii_space(b)).filter(|line| !line.is_empty()).collect();
    let Some((last, full)) = lines.split_last() else { return Vec::new() };
    if last.len() > BASE64_LINE || full.iter().any(|line| line.len() != BASE64_LINE) {
        return Vec::new();
    }
    lines.join(&b'\n')
}

/// `PARAM_PEM`: one certificate between `-----BEGIN CERTIFICATE-----` and
/// `-----END CERTIFICATE-----`, its body cleaned as `PARAM_BASE64`, rewritten in canonical form
/// with a final newline; anything else is `''`.
pub(super) fn clean_pem(text: &[u8]) -> Vec<u8> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let trimmed = php_trim(text);
    let Some(body) = trimmed.strip_prefix(BEGIN).and_then(|rest| rest.strip_suffix(END)) else {
        return Vec::new();
    };
    let is_body = |b: u8| is_ascii_space(b) || b.is_ascii_alphanumeric() || b"_/+=".contains(&b);
    if body.is_empty() || !body.iter().all(|&b| is_body(b)) {
        return Vec::new();
    }
    let base64 = clean_base64(&Value::Str(PhpString::from(body)));
    if is_empty_string(&base64) {
        return Vec::new();
    }
    [BEGIN, b"\n", &base64, b"\n", END, b"\n"].concat()
}
