//! PHP's `strip_tags()`, the tag remover behind `PARAM_NOTAGS` and `PARAM_TEXT`.
//!
//! PHP does not parse HTML here: it runs a small byte-level state machine (`php_strip_tags_ex`
//! in `ext/standard/string.c`) whose quirks decide validity at the web-service boundary, so it is
//! reproduced state for state rather than approximated with an HTML parser. Its observable rules:
//! a `<` followed by whitespace is text; a `<` starts a tag that ends at the matching `>`, nested
//! `<` … `>` pairs and quoted `>` included; `<!--` … `-->` comments, `<!…>` declarations and
//! `<?…?>` processing instructions vanish; an unterminated tag swallows the rest of the input; a
//! stray `>` outside a tag is kept; NUL bytes are dropped.

use super::pcre::is_c_space;

/// Where the machine is: PHP's `state` 0 to 4.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside any tag: bytes are copied.
    Text,
    /// Inside `<…>`.
    Tag,
    /// Inside `<?…?>`.
    Php,
    /// Inside `<!…>`.
    Declaration,
    /// Inside `<!--…-->`.
    Comment,
}

/// `strip_tags(input, allow)`: removes tags, comments and processing instructions; the tags named
/// in `allow` (written like `<lang>`) are kept, rebuilt from the bytes PHP collected for them.
pub(super) fn strip_tags(input: &[u8], allow: Option<&[u8]>) -> Vec<u8> {
    // PHP reads one byte past the end, where its copy of the string has a NUL.
    let at = |index: usize| input.get(index).copied().unwrap_or(0);
    let before = |index: usize, back: usize| index.checked_sub(back).map_or(0, |i| input[i]);
    let allow = allow.map(|names| names.to_ascii_lowercase());
    let mut out = Vec::with_capacity(input.len());
    // The bytes of the current tag as PHP records them (only when some tags are allowed).
    let mut tag = Vec::new();
    let mut state = State::Text;
    let mut depth = 0usize;
    let mut in_quote = 0u8;
    let mut last = 0u8;
    let mut brackets = 0i64;
    let mut is_xml = false;
    for (p, &c) in input.iter().enumerate() {
        match state {
            State::Text => match c {
                0 => {}
                b'<' => {
                    if in_quote != 0 {
                    } else if is_c_space(at(p + 1)) {
                        out.push(c);
                    } else {
                        last = b'<';
                        state = State::Tag;
                        if allow.is_some() {
                            tag.push(b'<');
                        }
                    }
                }
                b'>' => {
                    if depth > 0 {
                        depth -= 1;
                    } else if in_quote == 0 {
                        out.push(c);
                    }
                }
                _ => out.push(c),
            },
            State::Tag => {
                let mut record = false;
                match c {
                    0 => {}
                    b'<' => {
                        if in_quote != 0 {
                        } else if is_c_space(at(p + 1)) {
                            record = true;
                        } else {
                            depth += 1;
                        }
                    }
                    b'>' => {
                        if depth > 0 {
                            depth -= 1;
                        } else if in_quote != 0 {
                        } else {
                            last = b'>';
                            // An XML-style tag opened as `<?xml` does not end at `->`.
                            if !(is_xml && before(p, 1) == b'-') {
                                in_quote = 0;
                                state = State::Text;
                                is_xml = false;
                                if let Some(allow) = &allow {
                                    tag.push(b'>');
                                    if tag_is_allowed(&tag, allow) {
                                        out.extend_from_slice(&tag);
                                    }
                                    tag.clear();
                                }
                            }
                        }
                    }
                    b'"' | b'\'' => {
                        if p != 0 && (in_quote == 0 || c == in_quote) {
                            in_quote = if in_quote != 0 { 0 } else { c };
                        }
                        record = true;
                    }
                    b'!' if before(p, 1) == b'<' => {
                        state = State::Declaration;
                        last = c;
                    }
                    b'?' if before(p, 1) == b'<' => {
                        brackets = 0;
                        state = State::Php;
                    }
                    _ => record = true,
                }
                if record && allow.is_some() {
                    tag.push(c);
                }
            }
            State::Php => match c {
                b'(' if last != b'"' && last != b'\'' => {
                    last = b'(';
                    brackets += 1;
                }
                b')' if last != b'"' && last != b'\'' => {
                    last = b')';
                    brackets -= 1;
                }
                b'>' => {
                    if depth > 0 {
                        depth -= 1;
                    } else if in_quote == 0 && brackets == 0 && last != b'"' && before(p, 1) == b'?'
                    {
                        in_quote = 0;
                        state = State::Text;
                        tag.clear();
                    }
                }
                b'"' | b'\'' if p >= 1 && input[p - 1] != b'\\' => {
                    if last == c {
                        last = 0;
                    } else if last != b'\\' {
                        last = c;
                    }
                    if in_quote == 0 || c == in_quote {
                        in_quote = if in_quote != 0 { 0 } else { c };
                    }
                }
                // `<?xml` is markup, not PHP: continue as an ordinary tag.
                b'l' | b'L'
                    if p > 4
                        && input[p - 1].eq_ignore_ascii_case(&b'm')
                        && input[p - 2].eq_ignore_ascii_case(&b'x')
                        && input[p - 3] == b'?'
                        && input[p - 4] == b'<' =>
                {
                    state = State::Tag;
                    is_xml = true;
                }
                _ => {}
            },
            State::Declaration => match c {
                b'>' => {
                    if depth > 0 {
                        depth -= 1;
                    } else if in_quote == 0 {
                        state = State::Text;
                        tag.clear();
                    }
                }
                b'"' | b'\''
                    if p != 0 && input[p - 1] != b'\\' && (in_quote == 0 || c == in_quote) =>
                {
                    in_quote = if in_quote != 0 { 0 } else { c };
                }
                b'-' if before(p, 1) == b'-' && before(p, 2) == b'!' => state = State::Comment,
                // `<!DOCTYPE` continues as an ordinary tag.
                b'e' | b'E' if p > 6 && input[p - 6..p].eq_ignore_ascii_case(b"doctyp") => {
                    state = State::Tag;
                }
                _ => {}
            },
            State::Comment => {
                if c == b'>' && in_quote == 0 && before(p, 1) == b'-' && before(p, 2) == b'-' {
                    state = State::Text;
                    tag.clear();
                }
            }
        }
    }
    out
}

/// PHP's `php_tag_find`: reduce a recorded tag to `<name>` (lower case, slashes next to the
/// brackets dropped, attributes cut at the first whitespace) and look for it in `allow` as a
/// plain substring.
fn tag_is_allowed(tag: &[u8], allow: &[u8]) -> bool {
    let mut name = Vec::with_capacity(tag.len());
    let mut started = false;
    for (t, &byte) in tag.iter().enumerate() {
        let c = byte.to_ascii_lowercase();
        match c {
            b'<' => name.push(c),
            b'>' => break,
            _ if is_c_space(c) => {
                if started {
                    break;
                }
            }
            _ => {
                started = true;
                let previous = if t > 0 { tag[t - 1] } else { 0 };
                let next = tag.get(t + 1).copied().unwrap_or(0);
                if c != b'/' || (previous != b'<' && next != b'>') {
                    name.push(c);
                }
            }
        }
    }
    name.push(b'>');
    allow.windows(name.len()).any(|window| window == name.as_slice())
}
