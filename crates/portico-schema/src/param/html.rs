//! `PARAM_CLEANHTML` and `PARAM_CLEAN`: Moodle's `clean_text()` for HTML.
//!
//! Moodle first decides whether the text needs its sanitiser at all (`is_purify_html_necessary`):
//! plain text and text whose only markup is simple `<p>`, `<em>`, `<strong>` and `<br />` pass
//! through untouched. That decision is reproduced exactly, so such values clean to themselves as
//! in Moodle.
//!
//! **Documented deviation.** Everything else goes through HTMLPurifier in Moodle; Portico uses the
//! `ammonia` sanitiser with a whitelist close to Moodle's HTMLPurifier configuration (XHTML
//! elements, `class`/`id`/`lang`/`title`/`dir` attributes, a filtered set of `style`
//! properties, Moodle's URL schemes, `target="_blank"`). Its output is safe but not
//! byte-identical to HTMLPurifier's, so a value needing sanitising may be judged valid or invalid
//! differently from Moodle.

use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder};

use super::pcre::contains;
use crate::php;

/// `clean_text($text, FORMAT_HTML)` of UTF-8 text.
pub(super) fn clean_html(text: &[u8]) -> Vec<u8> {
    if !purify_is_necessary(text) {
        return text.to_vec();
    }
    let text = String::from_utf8_lossy(text);
    SANITISER.clean(&text).to_string().into_bytes()
}

/// Moodle's `is_purify_html_necessary`.
fn purify_is_necessary(text: &[u8]) -> bool {
    static SIMPLE_TAGS: LazyLock<[(Regex, &[u8]); 3]> = LazyLock::new(|| {
        let build = |pattern: &str| {
            RegexBuilder::new(pattern)
                .unicode(false)
                .build()
                .expect("the simple-tag patterns are constant and valid")
        };
        [
            (build("&lt;p&gt;(.*?)&lt;/p&gt;"), b"<p>${1}</p>"),
            (build("&lt;em&gt;([^<>]+?)&lt;/em&gt;"), b"<em>${1}</em>"),
            (build("&lt;strong&gt;([^<>]+?)&lt;/strong&gt;"), b"<strong>${1}</strong>"),
        ]
    });
    if text.is_empty() || text == php::string_to_int(text).to_string().as_bytes() {
        return false;
    }
    let other_tag = text.windows(2).any(|pair| pair[0] == b'<' && !b"pesb/".contains(&pair[1]));
    if contains(text, b"&") || other_tag {
        return true;
    }
    // Escape `<` and `>`, then turn the simple tags back; if that restores the text, it only
    // contained those.
    let mut altered = Vec::with_capacity(text.len() + 16);
    for &byte in text {
        match byte {
            b'<' => altered.extend_from_slice(b"&lt;"),
            b'>' => altered.extend_from_slice(b"&gt;"),
            _ => altered.push(byte),
        }
    }
    if altered == text {
        return false;
    }
    for (pattern, replacement) in SIMPLE_TAGS.iter() {
        altered = pattern.replace_all(&altered, *replacement).into_owned();
        if altered == text {
            return false;
        }
    }
    replace_all(&altered, b"&lt;br /&gt;", b"<br />") != text
}

/// PHP's `str_replace` for one needle.
fn replace_all(text: &[u8], needle: &[u8], replacement: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.windows(needle.len()).position(|window| window == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(replacement);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The sanitiser, configured once.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["font", "lang", "nolink", "tex", "algebra", "video", "audio", "source", "track"])
        .add_generic_attributes(["class", "id", "dir", "style"])
        .filter_style_properties(
            [
                "background-color",
                "border",
                "color",
                "font-family",
                "font-size",
                "font-style",
                "font-weight",
                "height",
                "margin",
                "padding",
                "text-align",
                "text-decoration",
                "vertical-align",
                "width",
            ]
            .into_iter()
            .collect(),
        )
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tag_attributes("video", ["src", "controls", "width", "height", "poster"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("source", ["src", "type"])
        .add_tag_attributes("track", ["src", "kind", "srclang", "label"])
        .add_tag_attribute_values("a", "target", ["_blank"])
        .url_schemes(
            [
                "http",
                "https",
                "ftp",
                "irc",
                "nntp",
                "news",
                "rtsp",
                "rtmp",
                "teamspeak",
                "gopher",
                "mms",
                "mailto",
            ]
            .into_iter()
            .collect(),
        )
        // HTMLPurifier does not add `rel` to every link.
        .link_rel(None);
    builder
});
