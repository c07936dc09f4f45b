//! PHP's JSON, both ways: `json_encode($value)` with default flags, as Moodle writes every JSON
//! response (spec 01 §1.4, spec 03 §5.5), and `json_decode($body, true)`, as the AJAX endpoints
//! read their request (spec 01 §5.1).
//!
//! The encoder is the hot path of every JSON response, so it writes straight into a caller's
//! buffer and allocates only for floats. Its output is PHP's to the byte: `/` is `\/`, every
//! non-ASCII character is a lower-case `\uXXXX` escape (surrogate pairs above U+FFFF), a whole
//! float has no fraction, and an array is a JSON array exactly when its keys are `0..n`. Like PHP
//! it fails, rather than writing something, on a string that is not UTF-8 or a non-finite float;
//! Moodle then sends an empty body, and that choice is the caller's.
//!
//! The decoder is a small hand-written scanner and parser that follow PHP's re2c scanner and
//! bison grammar (`ext/json`): the same tokens in the same order, so the same input fails with
//! the same `json_last_error_msg()` text. It never panics, whatever the bytes.

use std::fmt;
use std::io::Write as _;

use portico_schema::php;
use portico_schema::{Array, Key, PhpString, Value};

/// PHP's default `$depth` of `json_encode`: arrays may nest this deep.
const ENCODE_MAX_DEPTH: usize = 512;

/// Why `json_encode` failed; PHP then returns `false` and Moodle prints an empty body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonEncodeError {
    /// A string (value or key) is not valid UTF-8 (`JSON_ERROR_UTF8`).
    Utf8,
    /// A float is infinite or NaN (`JSON_ERROR_INF_OR_NAN`).
    InfOrNan,
    /// Arrays nest deeper than PHP's default 512 levels (`JSON_ERROR_DEPTH`).
    Depth,
}

impl JsonEncodeError {
    /// PHP's `json_last_error_msg()` text for this failure.
    pub fn message(self) -> &'static str {
        match self {
            JsonEncodeError::Utf8 => "Malformed UTF-8 characters, possibly incorrectly encoded",
            JsonEncodeError::InfOrNan => "Inf and NaN cannot be JSON encoded",
            JsonEncodeError::Depth => "Maximum stack depth exceeded",
        }
    }
}

impl fmt::Display for JsonEncodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.message())
    }
}

impl std::error::Error for JsonEncodeError {}

/// `json_encode($value)` appended to `out`. On failure `out` is left as it was.
pub fn json_encode(value: &Value, out: &mut Vec<u8>) -> Result<(), JsonEncodeError> {
    let start = out.len();
    let result = encode_value(value, out, 0);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// `json_encode($value)` as a new buffer.
pub fn json_encode_to_vec(value: &Value) -> Result<Vec<u8>, JsonEncodeError> {
    let mut out = Vec::with_capacity(128);
    json_encode(value, &mut out)?;
    Ok(out)
}

fn encode_value(value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), JsonEncodeError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(int) => {
            // Writing into a Vec cannot fail.
            let _ = write!(out, "{int}");
        }
        Value::Float(float) => {
            if !float.is_finite() {
                return Err(JsonEncodeError::InfOrNan);
            }
            out.extend_from_slice(php::float_to_json(*float).as_bytes());
        }
        Value::Str(bytes) => encode_str(bytes, out)?,
        Value::Array(array) => encode_array(array, out, depth + 1)?,
    }
    Ok(())
}

fn encode_array(array: &Array, out: &mut Vec<u8>, depth: usize) -> Result<(), JsonEncodeError> {
    if depth > ENCODE_MAX_DEPTH {
        return Err(JsonEncodeError::Depth);
    }
    if array.is_list() {
        out.push(b'[');
        for (index, value) in array.values().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            encode_value(value, out, depth)?;
        }
        out.push(b']');
    } else {
        out.push(b'{');
        for (index, (key, value)) in array.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            match key {
                Key::Int(int) => {
                    let _ = write!(out, "\"{int}\"");
                }
                Key::Str(bytes) => encode_str(bytes, out)?,
            }
            out.push(b':');
            encode_value(value, out, depth)?;
        }
        out.push(b'}');
    }
    Ok(())
}

/// Which ASCII bytes `json_encode` escapes: controls, `"`, `\` and `/`.
const fn ascii_escapes() -> [bool; 128] {
    let mut table = [false; 128];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'/' as usize] = true;
    table
}

const ASCII_ESCAPES: [bool; 128] = ascii_escapes();

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(unit: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX_DIGITS[usize::from(unit >> 12)],
        HEX_DIGITS[usize::from((unit >> 8) & 0xf)],
        HEX_DIGITS[usize::from((unit >> 4) & 0xf)],
        HEX_DIGITS[usize::from(unit & 0xf)],
    ]);
}

/// A JSON string literal as PHP writes it, or [`JsonEncodeError::Utf8`] for invalid UTF-8.
pub(crate) fn encode_str(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), JsonEncodeError> {
    let text = std::str::from_utf8(bytes).map_err(|_| JsonEncodeError::Utf8)?;
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run_start = 0;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte < 0x80 && !ASCII_ESCAPES[usize::from(byte)] {
            index += 1;
            continue;
        }
        out.extend_from_slice(&bytes[run_start..index]);
        if byte < 0x80 {
            match byte {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'/' => out.extend_from_slice(b"\\/"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                control => push_u_escape(u16::from(control), out),
            }
            index += 1;
        } else {
            // `index` is on a character boundary: runs only stop before an escaped byte, and
            // every escape consumes whole characters.
            let character = text[index..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut units = [0u16; 2];
            for unit in character.encode_utf16(&mut units) {
                push_u_escape(*unit, out);
            }
            index += character.len_utf8();
        }
        run_start = index;
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
    Ok(())
}

/// Why `json_decode` failed, one variant per `json_last_error()` code it can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonDecodeError {
    /// Arrays and objects nest deeper than the limit (`JSON_ERROR_DEPTH`).
    Depth,
    /// A `[` closed by `}` or a `{` closed by `]` (`JSON_ERROR_STATE_MISMATCH`).
    StateMismatch,
    /// A control character, a NUL byte, or the end of input inside a string
    /// (`JSON_ERROR_CTRL_CHAR`).
    CtrlChar,
    /// Anything else malformed, including an empty body (`JSON_ERROR_SYNTAX`).
    Syntax,
    /// Bytes that are not UTF-8 (`JSON_ERROR_UTF8`).
    Utf8,
    /// A `\uD800`–`\uDFFF` escape that is not part of a surrogate pair (`JSON_ERROR_UTF16`).
    Utf16,
}

impl JsonDecodeError {
    /// PHP's `json_last_error_msg()` text, as quoted in `Invalid json in request: <text>`.
    pub fn message(self) -> &'static str {
        match self {
            JsonDecodeError::Depth => "Maximum stack depth exceeded",
            JsonDecodeError::StateMismatch => "State mismatch (invalid or malformed JSON)",
            JsonDecodeError::CtrlChar => "Control character error, possibly incorrectly encoded",
            JsonDecodeError::Syntax => "Syntax error",
            JsonDecodeError::Utf8 => "Malformed UTF-8 characters, possibly incorrectly encoded",
            JsonDecodeError::Utf16 => "Single unpaired UTF-16 surrogate in unicode escape",
        }
    }
}

impl fmt::Display for JsonDecodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.message())
    }
}

impl std::error::Error for JsonDecodeError {}

/// `json_last_error_msg()` when decoding succeeded: what Moodle quotes for the body `null`.
pub const NO_ERROR: &str = "No error";

/// Limits of [`json_decode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonLimits {
    /// PHP's `$depth` argument, default 512 (what Moodle's AJAX endpoint uses). As in PHP,
    /// arrays and objects may nest at most `max_depth - 1` levels: `[[1]]` needs a depth of 3.
    /// The decoder recurses once per level, so keep this modest.
    pub max_depth: usize,
}

impl Default for JsonLimits {
    fn default() -> JsonLimits {
        JsonLimits { max_depth: 512 }
    }
}

/// `json_decode($input, true)`: objects become arrays in member order (a repeated key keeps its
/// first position and takes the last value; numeric keys such as `"3"` become integer keys),
/// integers beyond 64 bits become floats, and every failure is the error PHP reports.
pub fn json_decode(input: &[u8], limits: &JsonLimits) -> Result<Value, JsonDecodeError> {
    let mut parser = Parser { scanner: Scanner { input, pos: 0 }, depth: 1, limits: *limits };
    let first = parser.scanner.next_token()?;
    let value = parser.value(first)?;
    match parser.scanner.next_token()? {
        Token::End => Ok(value),
        _ => Err(JsonDecodeError::Syntax),
    }
}

#[derive(Debug)]
enum Token {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Colon,
    Comma,
    Value(Value),
    End,
}

/// PHP's re2c scanner (`json_scanner.re`), state `JS` and the string states.
struct Scanner<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn next_token(&mut self) -> Result<Token, JsonDecodeError> {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.input.get(self.pos) {
            self.pos += 1;
        }
        let Some(&byte) = self.input.get(self.pos) else { return Ok(Token::End) };
        let token = match byte {
            b'{' => Token::BeginObject,
            b'}' => Token::EndObject,
            b'[' => Token::BeginArray,
            b']' => Token::EndArray,
            b':' => Token::Colon,
            b',' => Token::Comma,
            b'"' => {
                self.pos += 1;
                return self.string().map(|bytes| Token::Value(Value::Str(bytes)));
            }
            b'-' | b'0'..=b'9' => return self.number(),
            b'n' | b't' | b'f' => return self.literal(),
            // A NUL before the end of input is a control character to PHP's scanner, which
            // sees its own terminating NUL as the end.
            0x00..=0x1f => return Err(JsonDecodeError::CtrlChar),
            0x20..=0x7f => return Err(JsonDecodeError::Syntax),
            _ => {
                return Err(match utf8_char_len(&self.input[self.pos..]) {
                    Some(_) => JsonDecodeError::Syntax,
                    None => JsonDecodeError::Utf8,
                });
            }
        };
        self.pos += 1;
        Ok(token)
    }

    fn literal(&mut self) -> Result<Token, JsonDecodeError> {
        let rest = &self.input[self.pos..];
        let (text, value): (&[u8], Value) = if rest.starts_with(b"null") {
            (b"null", Value::Null)
        } else if rest.starts_with(b"true") {
            (b"true", Value::Bool(true))
        } else if rest.starts_with(b"false") {
            (b"false", Value::Bool(false))
        } else {
            return Err(JsonDecodeError::Syntax);
        };
        self.pos += text.len();
        Ok(Token::Value(value))
    }

    /// The longest match of `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Token, JsonDecodeError> {
        let input = self.input;
        let start = self.pos;
        let digits_from = |at: usize| {
            input[at.min(input.len())..].iter().take_while(|b| b.is_ascii_digit()).count()
        };
        let mut end = start;
        if input[end] == b'-' {
            end += 1;
        }
        match input.get(end) {
            Some(b'0') => end += 1,
            Some(b'1'..=b'9') => end += digits_from(end),
            // A lone `-` is an ordinary ASCII character to the scanner: a syntax error.
            _ => return Err(JsonDecodeError::Syntax),
        }
        let mut is_integer = true;
        if input.get(end) == Some(&b'.') {
            let fraction = digits_from(end + 1);
            if fraction > 0 {
                end += 1 + fraction;
                is_integer = false;
            }
        }
        if let Some(b'e' | b'E') = input.get(end) {
            let mut exponent = end + 1;
            if let Some(b'+' | b'-') = input.get(exponent) {
                exponent += 1;
            }
            let digits = digits_from(exponent);
            if digits > 0 {
                end = exponent + digits;
                is_integer = false;
            }
        }
        self.pos = end;
        // The token is ASCII digits and signs, so it is UTF-8.
        let text = std::str::from_utf8(&input[start..end]).map_err(|_| JsonDecodeError::Syntax)?;
        if is_integer && let Ok(int) = text.parse::<i64>() {
            return Ok(Token::Value(Value::Int(int)));
        }
        // Beyond 64 bits PHP reads the integer as a float (no JSON_BIGINT_AS_STRING); an
        // exponent too large gives infinity, as `zend_strtod` does.
        text.parse::<f64>()
            .map(|float| Token::Value(Value::Float(float)))
            .map_err(|_| JsonDecodeError::Syntax)
    }

    /// The rest of a string after its opening quote. PHP checks the whole string before
    /// decoding it; a single pass reports the same first error.
    fn string(&mut self) -> Result<PhpString, JsonDecodeError> {
        let input = self.input;
        let mut out = Vec::new();
        let mut run_start = self.pos;
        loop {
            let Some(&byte) = input.get(self.pos) else {
                // PHP's scanner reads its terminating NUL here: a control character.
                return Err(JsonDecodeError::CtrlChar);
            };
            match byte {
                b'"' => {
                    out.extend_from_slice(&input[run_start..self.pos]);
                    self.pos += 1;
                    return Ok(PhpString::from(out));
                }
                0x00..=0x1f => return Err(JsonDecodeError::CtrlChar),
                b'\\' => {
                    out.extend_from_slice(&input[run_start..self.pos]);
                    self.escape(&mut out)?;
                    run_start = self.pos;
                }
                0x20..=0x7f => self.pos += 1,
                _ => match utf8_char_len(&input[self.pos..]) {
                    Some(len) => self.pos += len,
                    None => return Err(JsonDecodeError::Utf8),
                },
            }
        }
    }

    /// One escape sequence starting at the backslash under `self.pos`.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonDecodeError> {
        let input = self.input;
        let simple = match input.get(self.pos + 1) {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                let Some(unit) = hex4(input, self.pos + 2) else {
                    return Err(JsonDecodeError::Syntax);
                };
                let code = match unit {
                    0xd800..=0xdbff => {
                        let low = match (
                            input.get(self.pos + 6..self.pos + 8),
                            hex4(input, self.pos + 8),
                        ) {
                            (Some(b"\\u"), Some(low @ 0xdc00..=0xdfff)) => low,
                            _ => return Err(JsonDecodeError::Utf16),
                        };
                        self.pos += 6;
                        0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(low) - 0xdc00)
                    }
                    0xdc00..=0xdfff => return Err(JsonDecodeError::Utf16),
                    _ => u32::from(unit),
                };
                self.pos += 6;
                let character = char::from_u32(code).ok_or(JsonDecodeError::Utf16)?;
                let mut buffer = [0u8; 4];
                out.extend_from_slice(character.encode_utf8(&mut buffer).as_bytes());
                return Ok(());
            }
            _ => return Err(JsonDecodeError::Syntax),
        };
        out.push(simple);
        self.pos += 2;
        Ok(())
    }
}

/// Four hexadecimal digits at `at`.
fn hex4(input: &[u8], at: usize) -> Option<u16> {
    let digits = input.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u16, |code, &digit| Some(code << 4 | (char::from(digit).to_digit(16)? as u16)))
}

/// The length of the UTF-8 character at the start of `bytes` by PHP's scanner classes (RFC 3629:
/// no overlong forms, no surrogates, nothing above U+10FFFF), or `None` if it is malformed.
fn utf8_char_len(bytes: &[u8]) -> Option<usize> {
    let continuation = |index: usize| bytes.get(index).is_some_and(|b| (0x80..=0xbf).contains(b));
    let in_range = |index: usize, low: u8, high: u8| {
        bytes.get(index).is_some_and(|b| (low..=high).contains(b))
    };
    match *bytes.first()? {
        0x00..=0x7f => Some(1),
        0xc2..=0xdf if continuation(1) => Some(2),
        0xe0 if in_range(1, 0xa0, 0xbf) && continuation(2) => Some(3),
        0xe1..=0xec | 0xee..=0xef if continuation(1) && continuation(2) => Some(3),
        0xed if in_range(1, 0x80, 0x9f) && continuation(2) => Some(3),
        0xf0 if in_range(1, 0x90, 0xbf) && continuation(2) && continuation(3) => Some(4),
        0xf1..=0xf3 if continuation(1) && continuation(2) && continuation(3) => Some(4),
        0xf4 if in_range(1, 0x80, 0x8f) && continuation(2) && continuation(3) => Some(4),
        _ => None,
    }
}

/// PHP's bison grammar (`json_parser.y`) over the scanner's tokens.
struct Parser<'a> {
    scanner: Scanner<'a>,
    /// Starts at 1, as in PHP, so `max_depth` counts the innermost scalars as a level.
    depth: usize,
    limits: JsonLimits,
}

impl Parser<'_> {
    fn value(&mut self, token: Token) -> Result<Value, JsonDecodeError> {
        match token {
            Token::Value(value) => Ok(value),
            Token::BeginArray => {
                self.enter()?;
                let array = self.array()?;
                self.depth -= 1;
                Ok(Value::Array(array))
            }
            Token::BeginObject => {
                self.enter()?;
                let object = self.object()?;
                self.depth -= 1;
                Ok(Value::Array(object))
            }
            _ => Err(JsonDecodeError::Syntax),
        }
    }

    /// PHP checks the depth as soon as it has read `[` or `{`, before the next token.
    fn enter(&mut self) -> Result<(), JsonDecodeError> {
        if self.depth >= self.limits.max_depth {
            return Err(JsonDecodeError::Depth);
        }
        self.depth += 1;
        Ok(())
    }

    fn array(&mut self) -> Result<Array, JsonDecodeError> {
        let mut array = Array::new();
        let mut token = self.scanner.next_token()?;
        match token {
            Token::EndArray => return Ok(array),
            Token::EndObject => return Err(JsonDecodeError::StateMismatch),
            _ => {}
        }
        loop {
            array.push(self.value(token)?);
            match self.scanner.next_token()? {
                Token::Comma => token = self.scanner.next_token()?,
                Token::EndArray => return Ok(array),
                Token::EndObject => return Err(JsonDecodeError::StateMismatch),
                _ => return Err(JsonDecodeError::Syntax),
            }
        }
    }

    fn object(&mut self) -> Result<Array, JsonDecodeError> {
        let mut object = Array::new();
        let mut token = self.scanner.next_token()?;
        match token {
            Token::EndObject => return Ok(object),
            Token::EndArray => return Err(JsonDecodeError::StateMismatch),
            _ => {}
        }
        loop {
            let Token::Value(Value::Str(key)) = token else {
                return Err(JsonDecodeError::Syntax);
            };
            let Token::Colon = self.scanner.next_token()? else {
                return Err(JsonDecodeError::Syntax);
            };
            let first = self.scanner.next_token()?;
            let value = self.value(first)?;
            object.insert(Key::from_bytes(&key), value);
            match self.scanner.next_token()? {
                Token::Comma => token = self.scanner.next_token()?,
                Token::EndObject => return Ok(object),
                Token::EndArray => return Err(JsonDecodeError::StateMismatch),
                _ => return Err(JsonDecodeError::Syntax),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn text(text: &str) -> Value {
        Value::from(text)
    }

    fn list<const N: usize>(values: [Value; N]) -> Value {
        Value::Array(Array::list(values))
    }

    fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
        Value::Array(entries.into_iter().map(|(key, value)| (Key::from(key), value)).collect())
    }

    fn nested(depth: usize) -> Value {
        (0..depth).fold(Value::Int(1), |inner, _| list([inner]))
    }

    /// Encodes `value` and compares with PHP's bytes, or with PHP's failure.
    fn check(value: Value, expected: Result<&str, JsonEncodeError>) {
        let mut out = b"prefix".to_vec();
        let result = json_encode(&value, &mut out);
        match expected {
            Ok(json) => {
                assert_eq!(result, Ok(()), "{value:?}");
                assert_eq!(std::str::from_utf8(&out[6..]), Ok(json), "{value:?}");
            }
            Err(error) => {
                assert_eq!(result, Err(error), "{value:?}");
                assert_eq!(out, b"prefix", "a failed encode leaves the buffer as it was");
            }
        }
    }

    #[test]
    fn json_encode_escapes_like_php_spec_01_section_1_4() {
        check(text("a/b"), Ok(r#""a\/b""#));
        check(text("\u{1F600}"), Ok(r#""\ud83d\ude00""#));
        check(text("á"), Ok(r#""\u00e1""#));
        check(text("\"\\"), Ok(r#""\"\\""#));
        check(text("'<>&"), Ok(r#""'<>&""#));
        check(
            text("\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}"),
            Ok("\"\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}\""),
        );
        check(text("http://x/é€"), Ok(r#""http:\/\/x\/\u00e9\u20ac""#));
        check(text(""), Ok(r#""""#));
        check(Value::Str(PhpString::from(&b"ok\xff"[..])), Err(JsonEncodeError::Utf8));
    }

    #[test]
    fn json_encode_numbers_spec_01_section_1_4_and_spec_03_section_5_5() {
        check(Value::Float(0.1 + 0.2), Ok("0.30000000000000004"));
        check(Value::Float(5.0), Ok("5"));
        check(Value::Float(2.0), Ok("2"));
        check(Value::Float(0.0), Ok("0"));
        check(Value::Float(1.5), Ok("1.5"));
        check(Value::Float(1e25), Ok("1.0e+25"));
        check(Value::Float(f64::NAN), Err(JsonEncodeError::InfOrNan));
        check(Value::Float(f64::INFINITY), Err(JsonEncodeError::InfOrNan));
        check(Value::Int(-12), Ok("-12"));
        check(Value::Int(i64::MIN), Ok("-9223372036854775808"));
        check(Value::Bool(true), Ok("true"));
        check(Value::Null, Ok("null"));
    }

    #[test]
    fn json_encode_lists_and_objects_spec_01_sections_1_4_and_5_3() {
        check(list([]), Ok("[]"));
        check(map([]), Ok("[]"));
        // §3.11: a successful call.
        check(
            map([
                ("id", Value::Int(7)),
                ("name", text("First")),
                ("visible", Value::Bool(true)),
                ("tags", list([])),
            ]),
            Ok(r#"{"id":7,"name":"First","visible":true,"tags":[]}"#),
        );
        // §5.3: a batch is an array only when the indexes are 0..k in order.
        let batch = |indexes: &[i64]| {
            let mut array = Array::new();
            for &index in indexes {
                array.insert(Key::Int(index), Value::Int(index));
            }
            Value::Array(array)
        };
        check(batch(&[5, 2]), Ok(r#"{"5":5,"2":2}"#));
        check(batch(&[1, 0]), Ok(r#"{"1":1,"0":0}"#));
        check(batch(&[0, 2]), Ok(r#"{"0":0,"2":2}"#));
        check(batch(&[0, 1]), Ok("[0,1]"));
        check(batch(&[0, 0]), Ok("[0]"));
        check(batch(&[]), Ok("[]"));
        check(map([("k\u{e9}", Value::Null)]), Ok(r#"{"k\u00e9":null}"#));
        let mut bad_key = Array::new();
        bad_key.insert(Key::Str(PhpString::from(&b"\xff"[..])), Value::Null);
        check(Value::Array(bad_key), Err(JsonEncodeError::Utf8));
        check(list([text("a"), Value::Float(f64::NAN)]), Err(JsonEncodeError::InfOrNan));
    }

    #[test]
    fn json_encode_depth_is_php_default_512() {
        let ok = json_encode_to_vec(&nested(512)).map(|json| json.len());
        assert_eq!(ok, Ok(512 * 2 + 1));
        assert_eq!(json_encode_to_vec(&nested(513)), Err(JsonEncodeError::Depth));
    }

    /// Decodes `input` with PHP's default depth and compares with PHP's value or error.
    fn check_decode(input: &[u8], expected: Result<Value, JsonDecodeError>) {
        check_decode_with(input, JsonLimits::default(), expected);
    }

    fn check_decode_with(
        input: &[u8],
        limits: JsonLimits,
        expected: Result<Value, JsonDecodeError>,
    ) {
        let decoded = json_decode(input, &limits);
        // `PartialEq` on floats: compare their bits too, so `-0.0` is not `0.0`.
        match (&decoded, &expected) {
            (Ok(Value::Float(got)), Ok(Value::Float(want))) => {
                assert!(
                    got.to_bits() == want.to_bits(),
                    "{:?}: {got:e}",
                    String::from_utf8_lossy(input)
                )
            }
            _ => assert_eq!(decoded, expected, "{:?}", String::from_utf8_lossy(input)),
        }
    }

    #[test]
    fn json_decode_failures_spec_01_section_5_1() {
        use JsonDecodeError::*;
        // `Invalid json in request: Syntax error` for malformed or empty bodies.
        for input in [
            &b""[..],
            b"   ",
            b"{",
            b"[1,2",
            b"[1,]",
            b"{\"a\":1,}",
            b"{\"a\"}",
            b"{1:2}",
            b"tru",
            b"TRUE",
            b"nul",
            b"01",
            b"-",
            b"1.",
            b".5",
            b"1e",
            b"+1",
            b"1 2",
            b"'a'",
            b"[1]x",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\\u12g4\"",
            b"\"a\\",
            b"\xc3\xa1",
            b"\xef\xbb\xbf[]",
            b"args=%5B%5D",
        ] {
            check_decode(input, Err(Syntax));
        }
        for input in [&b"\"abc"[..], b"\"a\nb\"", b"\"\x00\"", b"[1]\x00", b"\x01", b"[\"\t\"]"] {
            check_decode(input, Err(CtrlChar));
        }
        for input in [
            &b"\"\xff\""[..],
            b"\xff",
            b"[\"\xc0\xaf\"]",
            b"\"\xed\xa0\x80\"",
            b"1 \"\xff\"",
            b"\"\xf4\x90\x80\x80\"",
        ] {
            check_decode(input, Err(Utf8));
        }
        for input in [
            &b"\"\\ud800\""[..],
            b"\"\\udc00\"",
            b"\"\\ud83dx\"",
            b"\"\\ud83d\\u0041\"",
            b"[\"\\uDBFF\"]",
        ] {
            check_decode(input, Err(Utf16));
        }
        for input in [&b"[1}"[..], b"{\"a\":1]", b"{]", b"[}"] {
            check_decode(input, Err(StateMismatch));
        }
        assert_eq!(Syntax.to_string(), "Syntax error");
        assert_eq!(Utf8.message(), "Malformed UTF-8 characters, possibly incorrectly encoded");
        assert_eq!(Utf16.message(), "Single unpaired UTF-16 surrogate in unicode escape");
        assert_eq!(Depth.message(), "Maximum stack depth exceeded");
    }

    #[test]
    fn json_decode_values_like_php_assoc_mode() {
        // §5.1: `null` decodes (json_last_error_msg() is then `No error`).
        check_decode(b"null", Ok(Value::Null));
        check_decode(
            b" \t\r\n[ 1 , true,false ,null]\n",
            Ok(list([Value::Int(1), Value::Bool(true), Value::Bool(false), Value::Null])),
        );
        check_decode(b"\"abc\"", Ok(text("abc")));
        check_decode(b"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", Ok(text("\"\\/\u{8}\u{c}\n\r\t")));
        check_decode(b"\"\\u00e1\\u20AC\\ud83d\\ude00\\u0000\"", Ok(text("á€\u{1F600}\0")));
        check_decode("\"raw á\u{1F600}\"".as_bytes(), Ok(text("raw á\u{1F600}")));
        check_decode(b"9223372036854775807", Ok(Value::Int(i64::MAX)));
        check_decode(b"-9223372036854775808", Ok(Value::Int(i64::MIN)));
        check_decode(b"9223372036854775808", Ok(Value::Float(9223372036854775808.0)));
        check_decode(b"-9223372036854775809", Ok(Value::Float(-9223372036854775809.0)));
        check_decode(b"-0", Ok(Value::Int(0)));
        check_decode(b"-0.0", Ok(Value::Float(-0.0)));
        check_decode(b"1e2", Ok(Value::Float(100.0)));
        check_decode(b"1.5E-1", Ok(Value::Float(0.15)));
        check_decode(b"1E400", Ok(Value::Float(f64::INFINITY)));
        check_decode(b"[]", Ok(list([])));
        check_decode(b"{}", Ok(list([])));
        // Duplicate keys: the first position, the last value.
        check_decode(
            b"{\"a\":1,\"b\":2,\"a\":3}",
            Ok(map([("a", Value::Int(3)), ("b", Value::Int(2))])),
        );
        // Numeric keys are integer keys, as in any PHP array.
        let keys = json_decode(b"{\"3\":1,\"-1\":2,\"03\":3,\"\":4}", &JsonLimits::default());
        let keys: Vec<Key> = keys
            .ok()
            .and_then(|v| v.as_array().map(|a| a.keys().cloned().collect()))
            .unwrap_or_default();
        assert_eq!(keys, [Key::Int(3), Key::Int(-1), Key::Str("03".into()), Key::Str("".into())]);
        // §5.1: the request example.
        check_decode(
            br#"[{"index":0,"methodname":"core_get_string","args":{"stringid":"cancel","component":"core"}},
 {"index":1,"methodname":"core_fetch_notifications","args":{"contextid":1}}]"#,
            Ok(list([
                map([
                    ("index", Value::Int(0)),
                    ("methodname", text("core_get_string")),
                    ("args", map([("stringid", text("cancel")), ("component", text("core"))])),
                ]),
                map([
                    ("index", Value::Int(1)),
                    ("methodname", text("core_fetch_notifications")),
                    ("args", map([("contextid", Value::Int(1))])),
                ]),
            ])),
        );
    }

    #[test]
    fn json_decode_depth_counts_like_php() {
        let deep = |levels: usize| {
            let mut input = "[".repeat(levels).into_bytes();
            input.extend_from_slice("]".repeat(levels).as_bytes());
            input
        };
        // PHP's default depth 512 admits 511 nested arrays.
        assert!(json_decode(&deep(511), &JsonLimits::default()).is_ok());
        check_decode(&deep(512), Err(JsonDecodeError::Depth));
        // The PHP manual's example: three levels need a depth of 4.
        let example = br#"{"1":{"English":["One","January"],"French":["Une","Janvier"]}}"#;
        assert!(json_decode(example, &JsonLimits { max_depth: 4 }).is_ok());
        check_decode_with(example, JsonLimits { max_depth: 3 }, Err(JsonDecodeError::Depth));
        check_decode_with(b"1", JsonLimits { max_depth: 1 }, Ok(Value::Int(1)));
        // The depth is checked on `[`, before the malformed rest is read.
        check_decode_with(b"[[[\xff", JsonLimits { max_depth: 3 }, Err(JsonDecodeError::Depth));
    }

    fn depth(value: &Value) -> usize {
        match value {
            Value::Array(array) => 1 + array.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// Equal as JSON round-trips them: a whole float comes back as an integer.
    fn same_json_value(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float(float), Value::Int(int)) | (Value::Int(int), Value::Float(float)) => {
                *float == *int as f64
            }
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|((kx, vx), (ky, vy))| kx == ky && same_json_value(vx, vy))
            }
            _ => a == b,
        }
    }

    fn json_values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::Float),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|values| Value::Array(Array::list(values))),
                prop::collection::vec((any::<String>(), inner), 0..6).prop_map(|entries| {
                    Value::Array(
                        entries
                            .into_iter()
                            .map(|(key, value)| (Key::from_bytes(key.as_bytes()), value))
                            .collect(),
                    )
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn decoding_any_bytes_never_panics_and_respects_the_depth(input in prop::collection::vec(any::<u8>(), 0..64), max_depth in 1usize..6) {
            if let Ok(value) = json_decode(&input, &JsonLimits { max_depth }) {
                prop_assert!(depth(&value) < max_depth);
            }
        }

        #[test]
        fn decoding_json_like_bytes_never_panics(input in "[\\[\\]{}:,\"\\\\u0-9a-fA-Ftrulsne.+\\- \u{e9}\u{1F600}]{0,40}") {
            let _ = json_decode(input.as_bytes(), &JsonLimits { max_depth: 4 });
        }

        #[test]
        fn encoded_values_decode_to_the_same_value(value in json_values()) {
            let json = json_encode_to_vec(&value);
            prop_assert!(json.is_ok());
            let json = json.unwrap_or_default();
            prop_assert!(json.is_ascii(), "json_encode escapes all non-ASCII");
            let decoded = json_decode(&json, &JsonLimits::default());
            prop_assert!(decoded.as_ref().is_ok_and(|decoded| same_json_value(&value, decoded)), "{:?} -> {:?}", value, decoded);
        }
    }
}
