//! `PARAM_TEXT`: plain text that may keep well-formed multilang markup (spec 03 §7.1).
//!
//! Two multilang syntaxes survive cleaning: `<lang lang="xx">…</lang>` and
//! `<span lang="xx" class="multilang">…</span>`. Everything else is stripped with PHP's
//! `strip_tags`, so a value is valid only if it carries no other tags.

use super::pcre::{contains, is_ucp_space};
use super::strip_tags::strip_tags;

/// Cleans `text` (already UTF-8 repaired) as `PARAM_TEXT`.
pub(super) fn clean_text_param(text: &[u8]) -> Vec<u8> {
    let (kept, closing, opening): (Vec<u8>, &str, fn(&str) -> bool) = if contains(text, b"</lang>")
    {
        (strip_tags(text, Some(b"<lang>")), "</lang>", is_lang_opening)
    } else if contains(text, b"</span>") {
        (strip_tags(text, Some(b"<span>")), "</span>", is_span_opening)
    } else {
        return strip_tags(text, None);
    };
    if is_balanced(&kept, closing, opening) {
        kept
    } else {
        // Moodle strips the already reduced text, not the original.
        strip_tags(&kept, None)
    }
}

/// Whether every shortest `<…>` in `text` is an accepted opening tag or a closing tag that closes
/// one, with none left open; text without any `<…>` is not balanced (Moodle falls back then).
fn is_balanced(text: &[u8], closing: &str, opening: fn(&str) -> bool) -> bool {
    let mut open = false;
    let mut found = false;
    let mut rest = text;
    while let Some(start) = rest.iter().position(|&b| b == b'<') {
        let Some(length) = rest[start..].iter().position(|&b| b == b'>') else { break };
        let tag = &rest[start..=start + length];
        rest = &rest[start + length + 1..];
        found = true;
        // The tag is a slice between ASCII bytes of valid UTF-8, so this only fails on
        // inputs that were not repaired; treat those as malformed markup.
        let Ok(tag) = std::str::from_utf8(tag) else { return false };
        if tag == closing {
            if !open {
                return false;
            }
            open = false;
        } else if opening(tag) {
            open = true;
        } else {
            return false;
        }
    }
    found && !open
}

/// `<lang lang="CODE">`, optional whitespace before `>`.
fn is_lang_opening(tag: &str) -> bool {
    tag.strip_prefix("<lang lang=\"")
        .and_then(language_code)
        .and_then(|rest| rest.strip_suffix('>'))
        .is_some_and(|space| space.chars().all(is_ucp_space))
}

/// `<span` with exactly two attributes, each ` lang="CODE"` or ` class="multilang"`.
fn is_span_opening(tag: &str) -> bool {
    let Some(mut rest) = tag.strip_prefix("<span") else { return false };
    for _ in 0..2 {
        let trimmed = rest.trim_start_matches(is_ucp_space);
        if trimmed.len() == rest.len() {
            return false;
        }
        rest = if let Some(after) = trimmed.strip_prefix("lang=\"") {
            match language_code(after) {
                Some(after) => after,
                None => return false,
            }
        } else if let Some(after) = trimmed.strip_prefix("class=\"multilang\"") {
            after
        } else {
            return false;
        };
    }
    rest.strip_suffix('>').is_some_and(|space| space.chars().all(is_ucp_space))
}

/// After `lang="`: one or more of `A–Z a–z 0–9 _ -`, then `"`; returns what follows.
fn language_code(text: &str) -> Option<&str> {
    let length =
        text.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')).count();
    if length == 0 {
        return None;
    }
    text[length..].strip_prefix('"')
}
