//! `PARAM_URL` and `PARAM_LOCALURL`: Moodle's `validateUrlSyntax()` (`lib/validateurlsyntax.php`)
//! with the two option sets Moodle uses, plus the local-URL rules (spec 03 §7).
//!
//! The syntax check is a regular language without look-around, so it is expressed with the
//! `regex` crate, byte-oriented and ASCII-only as PHP's pattern (no `u` modifier) is.

use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder};

use super::pcre::anchored;

/// `validateUrlSyntax($url, 's?H?S?F?E-u-P-a?I?p?f?q?r?')`: optional `http://`, `https://` or
/// `ftp://`; no user or password; an optional IPv4 address or host name; optional port, path,
/// query and fragment.
pub(super) fn is_url_syntax(url: &[u8]) -> bool {
    static URL: LazyLock<Regex> = LazyLock::new(|| {
        let pattern = format!(
            "^(?:http://|https://|ftp://)?(?:{IPV4}|{HOST})?(?::{PORT})?(?:{PATH})?{QUERY}{FRAGMENT}$"
        );
        ascii_regex(&pattern)
    });
    anchored(url, |url| URL.is_match(url))
}

/// `validateUrlSyntax('/' . $url, 's-u-P-a-p-f+q?r?')`: a path (required), then optional query
/// and fragment; no scheme, user, host or port.
fn is_relative_url_syntax(url: &[u8]) -> bool {
    static RELATIVE: LazyLock<Regex> =
        LazyLock::new(|| ascii_regex(&format!("^{PATH}{QUERY}{FRAGMENT}$")));
    let mut rooted = Vec::with_capacity(url.len() + 1);
    rooted.push(b'/');
    rooted.extend_from_slice(url);
    anchored(&rooted, |url| RELATIVE.is_match(url))
}

/// `PARAM_LOCALURL` for a value that is already a non-empty valid `PARAM_URL`: keep the site's
/// own root, root-relative URLs, URLs under `wwwroot/` (any case), and relative URLs that pass
/// the relative syntax check and do not smuggle a `javascript` scheme.
pub(super) fn is_local_url(url: &[u8], wwwroot: &str) -> bool {
    let root = wwwroot.as_bytes();
    if url == root || url.starts_with(b"/") {
        return true;
    }
    let under_root = url.len() > root.len()
        && url[..root.len()].eq_ignore_ascii_case(root)
        && url[root.len()] == b'/';
    under_root || (is_relative_url_syntax(url) && !has_javascript_scheme(&raw_url_decode(url)))
}

/// `/\bjavascript\b[\s\S]*?(?:\:|\/)/i`: the word `javascript` with a `:` or `/` anywhere after.
fn has_javascript_scheme(text: &[u8]) -> bool {
    const WORD: &[u8] = b"javascript";
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (0..text.len().saturating_sub(WORD.len() - 1)).any(|start| {
        let end = start + WORD.len();
        text[start..end].eq_ignore_ascii_case(WORD)
            && (start == 0 || !is_word(text[start - 1]))
            && text.get(end).is_none_or(|&b| !is_word(b))
            && text[end..].iter().any(|&b| b == b':' || b == b'/')
    })
}

/// PHP's `rawurldecode`: `%XX` becomes the byte; anything else, `+` included, stays.
fn raw_url_decode(text: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut index = 0;
    while index < text.len() {
        if text[index] == b'%'
            && let (Some(high), Some(low)) = (
                text.get(index + 1).and_then(|&b| hex(b)),
                text.get(index + 2).and_then(|&b| hex(b)),
            )
        {
            // Two hexadecimal digits always fit a byte.
            out.push((high * 16 + low) as u8);
            index += 3;
        } else {
            out.push(text[index]);
            index += 1;
        }
    }
    out
}

/// A case-insensitive, ASCII-only byte regex from one of the constant patterns above.
fn ascii_regex(pattern: &str) -> Regex {
    RegexBuilder::new(pattern)
        .unicode(false)
        .case_insensitive(true)
        .build()
        .expect("the URL patterns are constant and valid")
}

/// `validateUrlSyntax`'s IPv4 address: four numbers 0–255, leading zeros allowed.
const IPV4: &str =
    r"(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])";
/// Its host name: labels of 1–64 characters, then a top label starting with a letter.
const HOST: &str = r"(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?";
/// Its port: 0 to 65535, up to five digits.
const PORT: &str = r"(?:[0-5]?[0-9]{1,4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
/// Its path: `/`, then segments of path characters, each optionally led by `;` and followed by
/// `/`.
const PATH: &str = r"/(?:;?(?:[a-z0-9_.!~*'()-]|%[0-9a-f]{2}|[:@&=+$,])+/?)*";
/// Its optional query.
const QUERY: &str = r"(?:\?(?:[;/?:@&=+$,]|[a-z0-9_.!~*'()-]|%[0-9a-f]{2})*)?";
/// Its optional fragment.
const FRAGMENT: &str = r"(?:[#](?:[;/?:@&=+$,]|[a-z0-9_.!~*'()-]|%[0-9a-f]{2})*)?";
