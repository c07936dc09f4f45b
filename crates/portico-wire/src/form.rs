//! PHP's request variables: how a query string or an `application/x-www-form-urlencoded` body
//! becomes `$_GET` or `$_POST` (spec 01 §1.1, §3.3), and the bracket encoding clients send.
//!
//! Moodle never sees the raw request; it sees what PHP made of it, and clients rely on PHP's
//! quirks without knowing it: `a[]` appends, a repeated index merges into the first element,
//! `a.b` arrives as `a_b`, names nested too deep vanish. [`insert_pair`] reproduces PHP's
//! `php_register_variable_ex` for one decoded pair, so every source of pairs (query string,
//! form body, multipart parts) shares it; [`parse_query`] and [`parse_body`] add PHP's splitting,
//! percent-decoding and `max_input_vars` counting, which differ slightly between the two.
//!
//! Values are bytes: `%FF` decodes to the byte 0xFF and stays there for validation to judge.
//! Nothing here fails; what PHP drops silently is dropped, and counted in a [`FormReport`] so
//! the server can log it as PHP logs its warnings.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
use portico_schema::php;
use portico_schema::{Array, Key, PhpString, Value};

/// PHP's input limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormLimits {
    /// `max_input_vars`: how many pairs one source may define. Default 5000, the value Moodle's
    /// environment check asks for (PHP's own default is 1000). A query string keeps the first
    /// `max_input_vars` pairs, a form body the first `max_input_vars + 1` (PHP counts after
    /// storing there); both count every pair once, nested or not.
    pub max_input_vars: usize,
    /// `max_input_nesting_level`: how many bracket levels a name may have. Default 64, PHP's.
    /// A name with more is dropped, and so is everything stored before under its top-level name.
    pub max_input_nesting_level: usize,
}

impl Default for FormLimits {
    fn default() -> FormLimits {
        FormLimits { max_input_vars: 5000, max_input_nesting_level: 64 }
    }
}

/// What PHP dropped while reading one source; all zero for an ordinary request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormReport {
    /// Pairs beyond `max_input_vars`, never read (PHP warns `Input variables exceeded <n>`).
    pub over_max_input_vars: usize,
    /// Names nested deeper than `max_input_nesting_level` (PHP warns `Input variable nesting
    /// level exceeded <n>`); each also deleted the variable of its top-level name.
    pub too_deep: usize,
    /// Pairs PHP ignores without a warning: an empty name, a name that rewriting turned into a
    /// `__Host-` or `__Secure-` name, or an append to an array whose next index is taken.
    pub ignored: usize,
}

impl FormReport {
    /// Whether every pair was stored.
    pub fn is_clean(&self) -> bool {
        *self == FormReport::default()
    }

    fn record(&mut self, outcome: PairOutcome) {
        match outcome {
            PairOutcome::Stored => {}
            PairOutcome::TooDeep => self.too_deep += 1,
            PairOutcome::EmptyName | PairOutcome::ReservedPrefix | PairOutcome::NoNextIndex => {
                self.ignored += 1
            }
        }
    }
}

/// The variables PHP made of one source, and what it dropped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedForm {
    /// The variables (`$_GET` or `$_POST`): top-level names to strings or nested arrays.
    pub vars: Array,
    /// What was dropped, for the log.
    pub report: FormReport,
}

/// What [`insert_pair`] did with one pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairOutcome {
    /// The value was stored.
    Stored,
    /// The name was empty (after leading spaces) or started with `[`: ignored.
    EmptyName,
    /// Rewriting dots and spaces made the name start with `__Host-` or `__Secure-`, which it did
    /// not before: ignored (PHP protects those cookie prefixes in every source).
    ReservedPrefix,
    /// The name has more bracket levels than allowed: ignored, and the variable of its
    /// top-level name deleted.
    TooDeep,
    /// An append (`[]`) to an array that already uses the largest integer key: ignored.
    NoNextIndex,
}

/// PHP's `php_register_variable_ex`: stores `value` in `vars` under a decoded `name`.
///
/// The name is read as PHP reads a C string, up to its first NUL byte. Leading spaces are
/// skipped; in the top-level part (before the first `[`) spaces and dots become `_`. Each
/// `[key]` descends one level (`[]`, or `[` plus one whitespace character plus `]`, appends);
/// anything after a `]` that is not `[` is dropped; an unmatched `[` becomes `_` (on the first
/// level, with the rest of the name rewritten like the top level), and the name then ends at the
/// level before. An existing non-array on the way is replaced by an array in place. Numeric keys
/// become integer keys ([`Key::from_bytes`]).
///
/// This does not count pairs against `max_input_vars`: the caller does, since PHP counts
/// differently per source (query strings and multipart bodies keep the first
/// `max_input_vars` pairs, urlencoded bodies one more).
pub fn insert_pair(
    vars: &mut Array,
    name: &[u8],
    value: PhpString,
    limits: &FormLimits,
) -> PairOutcome {
    let name = name.split(|&byte| byte == 0).next().unwrap_or_default();
    let spaces = name.iter().take_while(|&&byte| byte == b' ').count();
    let name = &name[spaces..];
    let bracket = name.iter().position(|&byte| byte == b'[');
    let top: Vec<u8> =
        name[..bracket.unwrap_or(name.len())].iter().map(|&byte| top_level_byte(byte)).collect();
    for prefix in [&b"__Host-"[..], b"__Secure-"] {
        if top.starts_with(prefix) && !name.starts_with(prefix) {
            return PairOutcome::ReservedPrefix;
        }
    }
    if top.is_empty() {
        return PairOutcome::EmptyName;
    }
    let Some(bracket) = bracket else {
        vars.insert(Key::from_bytes(&top), Value::Str(value));
        return PairOutcome::Stored;
    };

    // Walk the bracket groups as PHP does, collecting the keys; `None` is an append.
    let mut keys: Vec<Option<&[u8]>> = Vec::new();
    let mut open = bracket;
    let mut levels = 0;
    loop {
        levels += 1;
        if levels > limits.max_input_nesting_level {
            vars.remove(&Key::from_bytes(&top));
            return PairOutcome::TooDeep;
        }
        let start = open + 1;
        let mut cursor = start;
        if name.get(cursor).is_some_and(|&byte| is_c_space(byte)) {
            cursor += 1;
        }
        let close = if name.get(cursor) == Some(&b']') {
            keys.push(None);
            cursor
        } else {
            match name[cursor.min(name.len())..].iter().position(|&byte| byte == b']') {
                Some(offset) => {
                    keys.push(Some(&name[start..cursor + offset]));
                    cursor + offset
                }
                None if keys.is_empty() => {
                    // Not an index: the `[` and the rest join the top-level name.
                    let mut whole = top;
                    whole.push(b'_');
                    whole.extend(name[start..].iter().map(|&byte| match byte {
                        b'[' => b'_',
                        other => top_level_byte(other),
                    }));
                    vars.insert(Key::from_bytes(&whole), Value::Str(value));
                    return PairOutcome::Stored;
                }
                // Not an index: the name ends at the previous level.
                None => break,
            }
        };
        if name.get(close + 1) == Some(&b'[') {
            open = close + 1;
        } else {
            break;
        }
    }

    let Some((last, path)) = keys.split_last() else {
        // Unreachable: the loop pushes a key or returns before breaking.
        return PairOutcome::EmptyName;
    };
    let mut container = vars;
    let mut slot = Some(top.as_slice());
    for key in path {
        match child_array(container, slot) {
            Some(child) => container = child,
            None => return PairOutcome::NoNextIndex,
        }
        slot = *key;
    }
    let container = match child_array(container, slot) {
        Some(child) => child,
        None => return PairOutcome::NoNextIndex,
    };
    match last {
        Some(key) => container.insert(Key::from_bytes(key), Value::Str(value)),
        None if has_no_next_index(container) => return PairOutcome::NoNextIndex,
        None => container.push(Value::Str(value)),
    }
    PairOutcome::Stored
}

/// The array under `key` in `container` (appended when `key` is `None`), made an array in place
/// if it holds something else; `None` when an append has no free index.
fn child_array<'a>(container: &'a mut Array, key: Option<&[u8]>) -> Option<&'a mut Array> {
    let key = match key {
        Some(key) => Key::from_bytes(key),
        None => {
            if has_no_next_index(container) {
                return None;
            }
            container.push(Value::Array(Array::new()));
            // The pushed entry is the last one (indexmap answers `last` in constant time).
            container.keys().last()?.clone()
        }
    };
    let slot = container.entry_or_insert_with(key, || Value::Array(Array::new()));
    if !matches!(slot, Value::Array(_)) {
        *slot = Value::Array(Array::new());
    }
    match slot {
        Value::Array(array) => Some(array),
        _ => None,
    }
}

/// PHP refuses an append once the largest integer key is taken (its next free index saturates
/// there), where [`Array::push`] would overwrite it.
fn has_no_next_index(array: &Array) -> bool {
    array.contains_key(&Key::Int(i64::MAX))
}

/// The top-level part of a name cannot hold spaces or dots (they were PHP variable names once).
fn top_level_byte(byte: u8) -> u8 {
    match byte {
        b' ' | b'.' => b'_',
        other => other,
    }
}

/// C's `isspace` in the C locale.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// PHP's `php_url_decode`: `+` is a space, `%XX` with two hex digits is that byte, anything else
/// (a lone `%`, invalid UTF-8) is kept as it is.
pub fn url_decode(bytes: &[u8]) -> PhpString {
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                match bytes.get(index + 1..index + 3).and_then(|pair| hex_pair(pair[0], pair[1])) {
                    Some(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        index += 1;
    }
    PhpString::from(out)
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let high = char::from(high).to_digit(16)?;
    let low = char::from(low).to_digit(16)?;
    Some((high * 16 + low) as u8)
}

/// One `name=value` segment: the name and value percent-decoded, the value empty without `=`.
fn split_pair(segment: &[u8]) -> (PhpString, PhpString) {
    match segment.iter().position(|&byte| byte == b'=') {
        Some(equals) => (url_decode(&segment[..equals]), url_decode(&segment[equals + 1..])),
        None => (url_decode(segment), PhpString::default()),
    }
}

/// `$_GET` from a query string (without the `?`), as PHP's `php_default_treat_data` reads it:
/// pairs separated by `&`, empty segments skipped and not counted, the first `max_input_vars`
/// pairs kept. The query is a C string to PHP, so it ends at a NUL byte.
pub fn parse_query(query: &[u8], limits: &FormLimits) -> ParsedForm {
    let query = query.split(|&byte| byte == 0).next().unwrap_or_default();
    let mut parsed = ParsedForm::default();
    let mut segments = query.split(|&byte| byte == b'&').filter(|segment| !segment.is_empty());
    let mut count = 0;
    for segment in segments.by_ref() {
        count += 1;
        if count > limits.max_input_vars {
            parsed.report.over_max_input_vars = 1;
            break;
        }
        let (name, value) = split_pair(segment);
        parsed.report.record(insert_pair(&mut parsed.vars, &name, value, limits));
    }
    parsed.report.over_max_input_vars += segments.count();
    parsed
}

/// `$_POST` from an `application/x-www-form-urlencoded` body, as PHP's `add_post_vars` reads
/// it: pairs separated by `&`, every segment counted (empty ones too, except after a final
/// `&`), and the count checked after storing, so `max_input_vars + 1` pairs are kept.
pub fn parse_body(body: &[u8], limits: &FormLimits) -> ParsedForm {
    let mut parsed = ParsedForm::default();
    let mut rest = body;
    let mut count = 0;
    while !rest.is_empty() {
        let (segment, next) = next_segment(rest);
        let (name, value) = split_pair(segment);
        parsed.report.record(insert_pair(&mut parsed.vars, &name, value, limits));
        rest = next;
        count += 1;
        if count > limits.max_input_vars {
            while !rest.is_empty() {
                parsed.report.over_max_input_vars += 1;
                rest = next_segment(rest).1;
            }
        }
    }
    parsed
}

/// The segment before the first `&` and what follows that `&` (empty after a final `&`).
fn next_segment(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&byte| byte == b'&') {
        Some(amp) => (&bytes[..amp], &bytes[amp + 1..]),
        None => (bytes, &[]),
    }
}

/// How [`encode`] writes a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Write the structural brackets as `%5B`/`%5D` (what PHP's `http_build_query` and most
    /// HTTP libraries send) rather than raw `[`/`]` (what Moodle's documentation shows). PHP
    /// decodes before it parses, so both arrive the same. Default: encoded.
    pub encode_brackets: bool,
}

impl Default for EncodeOptions {
    fn default() -> EncodeOptions {
        EncodeOptions { encode_brackets: true }
    }
}

/// Bytes written as they are: letters, digits and `-_.~` (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `vars` in PHP's bracket notation, as a client sends it: `users[0][username]=x&...`.
///
/// Every scalar is written once under its full path, list indexes included, in array order, so
/// PHP reads back the same tree. Strings are bytes, percent-encoded; integers are decimal;
/// floats use the shortest form that reads back exactly; booleans are `1` and `0` (what
/// `PARAM_BOOL` accepts). Forms cannot carry `null` or an empty array: like `http_build_query`,
/// the encoder leaves them out. Names PHP would rewrite cannot be expressed either: an empty or
/// space-led top-level name, one holding `.`, ` ` or `[`, a key holding `]`, an empty key or a
/// key of one whitespace character (read as an append), and any NUL byte in a name.
pub fn encode(vars: &Array, options: EncodeOptions) -> String {
    let mut out = String::new();
    let mut name = String::new();
    for (key, value) in vars.iter() {
        name.clear();
        name.extend(percent_encode(&key.to_php_string(), COMPONENT));
        encode_value(&mut out, &mut name, value, options);
    }
    out
}

fn encode_value(out: &mut String, name: &mut String, value: &Value, options: EncodeOptions) {
    let scalar = match value {
        Value::Null => return,
        Value::Bool(boolean) => PhpString::from(if *boolean { "1" } else { "0" }),
        Value::Float(float) => PhpString::from(php::float_to_json(*float)),
        Value::Int(_) | Value::Str(_) => value.to_php_string(),
        Value::Array(array) => {
            let (open, close) = if options.encode_brackets { ("%5B", "%5D") } else { ("[", "]") };
            for (key, child) in array.iter() {
                let length = name.len();
                name.push_str(open);
                name.extend(percent_encode(&key.to_php_string(), COMPONENT));
                name.push_str(close);
                encode_value(out, name, child, options);
                name.truncate(length);
            }
            return;
        }
    };
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(name);
    out.push('=');
    out.extend(percent_encode(&scalar, COMPONENT));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A compact, unambiguous rendering: integer keys bare, string keys and values quoted.
    fn show(value: &Value) -> String {
        match value {
            Value::Array(array) => {
                let entries: Vec<String> = array
                    .iter()
                    .map(|(key, value)| match key {
                        Key::Int(int) => format!("{int}:{}", show(value)),
                        Key::Str(bytes) => format!("{:?}:{}", bytes, show(value)),
                    })
                    .collect();
                format!("{{{}}}", entries.join(","))
            }
            Value::Str(bytes) => format!("{bytes:?}"),
            other => format!("{other:?}"),
        }
    }

    type Parse = fn(&[u8], &FormLimits) -> ParsedForm;

    /// Parses `input` as a query string and as a form body (they agree below the limits) and
    /// compares with what PHP stores, or with what it drops.
    fn check(input: &str, expected: &str) {
        let mut report = FormReport::default();
        for parse in [parse_query as Parse, parse_body] {
            report = check_with(FormLimits::default(), parse, input.as_bytes(), expected);
        }
        assert!(report.is_clean(), "{input:?}: {report:?}");
    }

    fn check_with(limits: FormLimits, parse: Parse, input: &[u8], expected: &str) -> FormReport {
        let parsed = parse(input, &limits);
        assert_eq!(
            show(&Value::Array(parsed.vars)),
            expected,
            "{:?}",
            String::from_utf8_lossy(input)
        );
        parsed.report
    }

    #[test]
    fn php_name_parsing_spec_01_section_1_1() {
        check("a=1&a=2", r#"{"a":"2"}"#);
        check("a[]=x&a[]=y", r#"{"a":{0:"x",1:"y"}}"#);
        check("a[3]=x&a[1]=y", r#"{"a":{3:"x",1:"y"}}"#);
        check("a[1][x]=1&a[2][x]=2&a[1][y]=3", r#"{"a":{1:{"x":"1","y":"3"},2:{"x":"2"}}}"#);
        check("a.b=1", r#"{"a_b":"1"}"#);
        check("a b=1", r#"{"a_b":"1"}"#);
        check("a+b=1", r#"{"a_b":"1"}"#);
        check(".a=1&a.=2", r#"{"_a":"1","a_":"2"}"#);
        check("a.b[x.y]=1", r#"{"a_b":{"x.y":"1"}}"#);
        check("o[i d]=1&o[i+e]=2", r#"{"o":{"i d":"1","i e":"2"}}"#);
        check("a[=1", r#"{"a_":"1"}"#);
        check("a[b=1", r#"{"a_b":"1"}"#);
        check("a[b]c=1", r#"{"a":{"b":"1"}}"#);
        check("a]=1", r#"{"a]":"1"}"#);
        check("a=1&b=", r#"{"a":"1","b":""}"#);
    }

    #[test]
    fn php_name_parsing_details_from_php_register_variable_ex() {
        // Leading spaces are skipped; an empty name is ignored.
        check("%20%20a=1&+b=2", r#"{"a":"1","b":"2"}"#);
        // The name is a C string: it ends at a NUL byte.
        check("a%00b=1", r#"{"a":"1"}"#);
        // Numeric names and keys are integer keys; others stay strings.
        check("5=x&-3=y&05=z&a[7]=1&a[07]=2", r#"{5:"x",-3:"y","05":"z","a":{7:"1","07":"2"}}"#);
        // `[` plus one whitespace plus `]` appends; other leading whitespace is part of the key.
        check("a[ ]=1&a[%09]=2&a[ x]=3", r#"{"a":{0:"1",1:"2"," x":"3"}}"#);
        // An unmatched `[` deeper down ends the name at the level before.
        check("a[x][y=1&b[][y=2", r#"{"a":{"x":"1"},"b":{0:"2"}}"#);
        // On the first level the rest of the name is rewritten like a top-level name.
        check("a[b.c d[e=1", r#"{"a_b_c_d_e":"1"}"#);
        // A scalar becomes an array in place, and an array a scalar.
        check("a=1&b=2&a[x]=3", r#"{"a":{"x":"3"},"b":"2"}"#);
        check("a[x]=1&b=2&a=3", r#"{"a":"3","b":"2"}"#);
        // Appends follow the largest integer key (PHP before 8.3 ignores negative ones).
        check("a[5]=x&a[]=y&b[-5]=x&b[]=y", r#"{"a":{5:"x",6:"y"},"b":{-5:"x",0:"y"}}"#);
        // `%XX` decodes to bytes; `+` is a space; malformed escapes stay as they are.
        check("v=%41%2b%ff+%zz%4", r#"{"v":"A+\xff %zz%4"}"#);
        // `__Host-`/`__Secure-` names are kept only when the client wrote them so.
        let report = check_with(
            FormLimits::default(),
            parse_body,
            b"__Host-a=1&_.Host-b=2&._Secure-c=3&__Secure-d=4",
            r#"{"__Host-a":"1","__Secure-d":"4"}"#,
        );
        assert_eq!(report.ignored, 2);
        // §3.3: list keys are kept here; validation later ignores them.
        check(
            "ids[5]=a&ids[2]=b&u[0][a]=1&u[0][b]=2",
            r#"{"ids":{5:"a",2:"b"},"u":{0:{"a":"1","b":"2"}}}"#,
        );
        check(
            "users%5B0%5D%5Busername%5D=testuser&users[0][firstname]=Anne",
            r#"{"users":{0:{"username":"testuser","firstname":"Anne"}}}"#,
        );
    }

    #[test]
    fn ignored_pairs_are_reported() {
        let limits = FormLimits::default();
        for input in [
            "=1&[a]=2&%00=3&+=4",
            "a[9223372036854775807]=x&a[]=y",
            "a[9223372036854775807]=x&a[][b]=y",
        ] {
            let parsed = parse_body(input.as_bytes(), &limits);
            assert!(
                parsed.report.ignored > 0 && parsed.report.too_deep == 0,
                "{input}: {:?}",
                parsed.report
            );
        }
        let empty = parse_body(b"=1&[a]=2&%00=3&+=4", &limits);
        assert_eq!((empty.vars.len(), empty.report.ignored), (0, 4));
    }

    #[test]
    fn nesting_limit_spec_01_section_1_1() {
        let name = |levels: usize| format!("a{}", "[k]".repeat(levels));
        // 64 bracket levels are kept: `a` holds 64 nested arrays, the innermost the value.
        let kept = format!("{{\"a\":{}\"v\"{}}}", "{\"k\":".repeat(64), "}".repeat(64));
        check(&format!("{}=v", name(64)), &kept);
        // 65 are dropped silently, and PHP deletes the variable of that top-level name too.
        let limits = FormLimits::default();
        for parse in [parse_query as Parse, parse_body] {
            let report =
                check_with(limits, parse, format!("b=1&{}=v", name(65)).as_bytes(), r#"{"b":"1"}"#);
            assert_eq!(report, FormReport { too_deep: 1, ..FormReport::default() });
            let input = format!("a[x]=1&b=2&{}=v&a[y]=3", name(65));
            check_with(limits, parse, input.as_bytes(), r#"{"b":"2","a":{"y":"3"}}"#);
        }
        let shallow = FormLimits { max_input_nesting_level: 1, ..limits };
        check_with(shallow, parse_body, b"a[x]=1&b[x][y]=2", r#"{"a":{"x":"1"}}"#);
        // An unmatched `[` counts as a level too.
        check_with(shallow, parse_body, b"a[x][y=1", "{}");
    }

    #[test]
    fn max_input_vars_spec_01_section_1_1() {
        let limits = FormLimits { max_input_vars: 2, ..FormLimits::default() };
        let input = b"a=1&b=2&wsfunction=f&c=3";
        // A form body keeps max + 1 pairs: PHP counts after storing.
        let report = check_with(limits, parse_body, input, r#"{"a":"1","b":"2","wsfunction":"f"}"#);
        assert_eq!(report, FormReport { over_max_input_vars: 1, ..FormReport::default() });
        // A query string keeps max pairs: PHP counts before storing.
        let report = check_with(limits, parse_query, input, r#"{"a":"1","b":"2"}"#);
        assert_eq!(report.over_max_input_vars, 2);
        // Nested or not, every pair counts once; in a body empty segments count too.
        let nested = b"u[0][a]=1&u[0][b]=2&x=1&y=2";
        check_with(limits, parse_query, nested, r#"{"u":{0:{"a":"1","b":"2"}}}"#);
        check_with(limits, parse_body, nested, r#"{"u":{0:{"a":"1","b":"2"}},"x":"1"}"#);
        let one = FormLimits { max_input_vars: 1, ..limits };
        check_with(one, parse_body, b"&&a=1", "{}");
        check_with(one, parse_query, b"&&a=1", r#"{"a":"1"}"#);
        // A final `&` is not a pair.
        let report =
            check_with(limits, parse_body, b"a=1&b=2&c=3&", r#"{"a":"1","b":"2","c":"3"}"#);
        assert!(report.is_clean());
        let nothing = FormLimits { max_input_vars: 0, ..limits };
        check_with(nothing, parse_query, b"a=1", "{}");
        check_with(nothing, parse_body, b"a=1&b=2", r#"{"a":"1"}"#);
    }

    #[test]
    fn encoder_writes_bracket_paths_spec_01_section_3_3() {
        let user: Array = [
            (Key::from("username"), Value::from("testuser")),
            (Key::from("firstname"), Value::from("Anne")),
            (Key::from("email"), Value::from("anne@example.com")),
        ]
        .into_iter()
        .collect();
        let vars: Array = [
            (Key::from("wsfunction"), Value::from("core_user_create_users")),
            (Key::from("users"), Value::Array(Array::list([Value::Array(user)]))),
            (
                Key::from("flags"),
                Value::Array(Array::list([Value::Bool(true), Value::Bool(false), Value::Null])),
            ),
            (
                Key::from("n"),
                Value::Array(Array::list([Value::Int(-3), Value::Float(0.5), Value::Float(2.0)])),
            ),
            (Key::from("empty"), Value::Array(Array::new())),
            (Key::from("text"), Value::Str(PhpString::from(&b"a b&c=d/\xff+"[..]))),
        ]
        .into_iter()
        .collect();
        let raw = "wsfunction=core_user_create_users\
            &users[0][username]=testuser&users[0][firstname]=Anne&users[0][email]=anne%40example.com\
            &flags[0]=1&flags[1]=0&n[0]=-3&n[1]=0.5&n[2]=2&text=a%20b%26c%3Dd%2F%FF%2B";
        assert_eq!(encode(&vars, EncodeOptions { encode_brackets: false }), raw);
        assert_eq!(
            encode(&vars, EncodeOptions::default()),
            raw.replace('[', "%5B").replace(']', "%5D")
        );
    }

    /// What a form can carry of a value: strings, no nulls, no empty arrays.
    fn form_shape(value: &Value) -> Option<Value> {
        match value {
            Value::Null => None,
            Value::Bool(boolean) => Some(Value::from(if *boolean { "1" } else { "0" })),
            Value::Float(float) => Some(Value::from(php::float_to_json(*float))),
            Value::Int(_) | Value::Str(_) => Some(Value::Str(value.to_php_string())),
            Value::Array(array) => {
                let kept: Array = array
                    .iter()
                    .filter_map(|(key, value)| Some((key.clone(), form_shape(value)?)))
                    .collect();
                (!kept.is_empty()).then_some(Value::Array(kept))
            }
        }
    }

    fn form_keys() -> impl Strategy<Value = Key> {
        prop::collection::vec(any::<u8>(), 1..5)
            .prop_filter("representable", |key| {
                let append = key.len() == 1 && is_c_space(key[0]);
                !(append || key.contains(&b']') || key.contains(&0))
            })
            .prop_map(|key| Key::from_bytes(&key))
    }

    fn form_values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::Float),
            prop::collection::vec(any::<u8>(), 0..8)
                .prop_map(|bytes| Value::Str(PhpString::from(bytes))),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|values| Value::Array(Array::list(values))),
                prop::collection::vec((form_keys(), inner), 0..5)
                    .prop_map(|entries| Value::Array(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn parsing_any_bytes_never_panics_and_respects_the_limits(
            input in prop::collection::vec(prop_oneof![Just(b'['), Just(b']'), Just(b'&'), Just(b'='), Just(b'%'), any::<u8>()], 0..80),
            max_input_vars in 0usize..6,
            max_input_nesting_level in 0usize..4,
        ) {
            let limits = FormLimits { max_input_vars, max_input_nesting_level };
            for (parse, kept) in [(parse_query as Parse, max_input_vars), (parse_body, max_input_vars + 1)] {
                let parsed = parse(&input, &limits);
                let vars = Value::Array(parsed.vars);
                prop_assert!(strings(&vars) <= kept);
                prop_assert!(depth(&vars) <= 1 + max_input_nesting_level);
            }
        }

        #[test]
        fn encoded_forms_parse_back(
            top in prop::collection::vec(("[a-zA-Z0-9_~!*()é-]{1,6}", form_values()), 0..6),
            encode_brackets in any::<bool>(),
        ) {
            let vars: Array = top.into_iter().map(|(name, value)| (Key::from(name.as_str()), value)).collect();
            let expected = form_shape(&Value::Array(vars.clone())).unwrap_or(Value::Array(Array::new()));
            let form = encode(&vars, EncodeOptions { encode_brackets });
            for parse in [parse_query as Parse, parse_body] {
                let parsed = parse(form.as_bytes(), &FormLimits::default());
                prop_assert!(parsed.report.is_clean());
                prop_assert_eq!(show(&Value::Array(parsed.vars)), show(&expected), "{}", form);
            }
        }
    }

    fn strings(value: &Value) -> usize {
        match value {
            Value::Array(array) => array.values().map(strings).sum(),
            _ => 1,
        }
    }

    fn depth(value: &Value) -> usize {
        match value {
            Value::Array(array) => 1 + array.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
}
