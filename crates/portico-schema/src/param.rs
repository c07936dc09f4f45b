//! Every `PARAM_*` type and its cleaning rule (spec 03 §1.4 and §7).
//!
//! [`clean`] is Moodle's `clean_param()`: it never fails, it returns what the rule makes of the
//! value. Whether a *web-service* value is valid is decided one level up (`validate.rs`): for every
//! type but `float`, a value is valid exactly when cleaning leaves its PHP string form unchanged.
//! Rules that need the site (installed languages, `wwwroot`, …) read [`SiteSettings`].

use std::fmt;

use bstr::ByteSlice;

use crate::php;
use crate::settings::SiteSettings;
use crate::value::{PhpString, Value};

/// A Moodle `PARAM_*` type; [`ParamType::name`] is the string stored in descriptions and shown in
/// error texts (`…expecting "int" type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // Each variant is the PARAM constant of the same name; see spec 03 §7.
pub enum ParamType {
    Alpha,
    AlphaExt,
    AlphaNum,
    AlphaNumExt,
    Area,
    Auth,
    Base64,
    Bool,
    Capability,
    Clean,
    CleanHtml,
    Component,
    Email,
    File,
    Float,
    Host,
    Int,
    Lang,
    LocalisedFloat,
    LocalUrl,
    NoTags,
    Path,
    Pem,
    Permission,
    Plugin,
    Raw,
    RawTrimmed,
    SafeDir,
    SafePath,
    Sequence,
    StringId,
    Tag,
    TagList,
    Text,
    Theme,
    Timezone,
    Url,
    Username,
}

impl ParamType {
    /// Every type, in the order of their names.
    pub const ALL: [ParamType; 38] = [
        ParamType::Alpha,
        ParamType::AlphaExt,
        ParamType::AlphaNum,
        ParamType::AlphaNumExt,
        ParamType::Area,
        ParamType::Auth,
        ParamType::Base64,
        ParamType::Bool,
        ParamType::Capability,
        ParamType::Clean,
        ParamType::CleanHtml,
        ParamType::Component,
        ParamType::Email,
        ParamType::File,
        ParamType::Float,
        ParamType::Host,
        ParamType::Int,
        ParamType::Lang,
        ParamType::LocalisedFloat,
        ParamType::LocalUrl,
        ParamType::NoTags,
        ParamType::Path,
        ParamType::Pem,
        ParamType::Permission,
        ParamType::Plugin,
        ParamType::Raw,
        ParamType::RawTrimmed,
        ParamType::SafeDir,
        ParamType::SafePath,
        ParamType::Sequence,
        ParamType::StringId,
        ParamType::Tag,
        ParamType::TagList,
        ParamType::Text,
        ParamType::Theme,
        ParamType::Timezone,
        ParamType::Url,
        ParamType::Username,
    ];

    /// The type's string value, as Moodle stores and prints it.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Alpha => "alpha",
            ParamType::AlphaExt => "alphaext",
            ParamType::AlphaNum => "alphanum",
            ParamType::AlphaNumExt => "alphanumext",
            ParamType::Area => "area",
            ParamType::Auth => "auth",
            ParamType::Base64 => "base64",
            ParamType::Bool => "bool",
            ParamType::Capability => "capability",
            ParamType::Clean => "clean",
            ParamType::CleanHtml => "cleanhtml",
            ParamType::Component => "component",
            ParamType::Email => "email",
            ParamType::File => "file",
            ParamType::Float => "float",
            ParamType::Host => "host",
            ParamType::Int => "int",
            ParamType::Lang => "lang",
            ParamType::LocalisedFloat => "localisedfloat",
            ParamType::LocalUrl => "localurl",
            ParamType::NoTags => "notags",
            ParamType::Path => "path",
            ParamType::Pem => "pem",
            ParamType::Permission => "permission",
            ParamType::Plugin => "plugin",
            ParamType::Raw => "raw",
            ParamType::RawTrimmed => "raw_trimmed",
            ParamType::SafeDir => "safedir",
            ParamType::SafePath => "safepath",
            ParamType::Sequence => "sequence",
            ParamType::StringId => "stringid",
            ParamType::Tag => "tag",
            ParamType::TagList => "taglist",
            ParamType::Text => "text",
            ParamType::Theme => "theme",
            ParamType::Timezone => "timezone",
            ParamType::Url => "url",
            ParamType::Username => "username",
        }
    }

    /// The type for a string value, accepting Moodle's deprecated aliases (`integer`, `number`,
    /// `action`, `format`, `multilang`, `cleanfile`).
    pub fn from_name(name: &str) -> Result<ParamType, UnknownParamType> {
        let canonical = match name {
            "integer" => "int",
            "number" => "float",
            "action" | "format" => "alphanumext",
            "multilang" => "text",
            "cleanfile" => "file",
            other => other,
        };
        ParamType::ALL
            .into_iter()
            .find(|param| param.name() == canonical)
            .ok_or_else(|| UnknownParamType(name.to_string()))
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A type name that is not a `PARAM_*` type; displays as Moodle's `Unknown parameter type '<name>'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownParamType(pub String);

impl fmt::Display for UnknownParamType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Unknown parameter type '{}'", self.0)
    }
}

impl std::error::Error for UnknownParamType {}

/// Moodle's `clean_param($value, $type)` for a scalar `value` (arrays are the caller's business:
/// validation rejects them before cleaning).
pub fn clean(value: &Value, param: ParamType, site: &SiteSettings) -> Value {
    match param {
        ParamType::Int => Value::Int(to_int(value)),
        ParamType::Float => Value::Float(to_float(value)),
        ParamType::Bool => Value::Int(clean_bool(value)),
        ParamType::Raw => fix_utf8(value),
        ParamType::RawTrimmed => Value::Str(php_trim(&string_of(&fix_utf8(value)))),
        ParamType::Alpha => keep_bytes(value, |b| b.is_ascii_alphabetic()),
        ParamType::AlphaExt => {
            keep_bytes(value, |b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
        }
        ParamType::AlphaNum => keep_bytes(value, |b| b.is_ascii_alphanumeric()),
        ParamType::AlphaNumExt | ParamType::SafeDir => {
            keep_bytes(value, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
        ParamType::Sequence => keep_bytes(value, |b| b.is_ascii_digit() || b == b','),
        ParamType::SafePath => {
            keep_bytes(value, |b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
        }
        ParamType::Permission => {
            let int = to_int(value);
            Value::Int(if matches!(int, 0 | 1 | -1 | -1000) { int } else { 0 })
        }
        ParamType::Auth => {
            keep_if_installed(value, param, site, |site| &site.installed.auth_plugins)
        }
        ParamType::Lang => keep_if_installed(value, param, site, |site| &site.installed.languages),
        ParamType::Theme => keep_if_installed(value, param, site, |site| &site.installed.themes),
        ParamType::Capability => {
            let text = string_of(value);
            let known = text.to_str().is_ok_and(|name| site.installed.capabilities.contains(name));
            Value::Str(if known { text } else { PhpString::default() })
        }
        // FIXME(#2): the remaining rules of spec 03 §7 are being ported; until then they keep
        // only the UTF-8 repair every one of them starts with.
        ParamType::Area
        | ParamType::Base64
        | ParamType::Clean
        | ParamType::CleanHtml
        | ParamType::Component
        | ParamType::Email
        | ParamType::File
        | ParamType::Host
        | ParamType::LocalisedFloat
        | ParamType::LocalUrl
        | ParamType::NoTags
        | ParamType::Path
        | ParamType::Pem
        | ParamType::Plugin
        | ParamType::StringId
        | ParamType::Tag
        | ParamType::TagList
        | ParamType::Text
        | ParamType::Timezone
        | ParamType::Url
        | ParamType::Username => Value::Str(string_of(&fix_utf8(value))),
    }
}

/// PHP's `(int)` of a scalar.
pub fn to_int(value: &Value) -> i64 {
    match value {
        Value::Null | Value::Bool(false) => 0,
        Value::Bool(true) => 1,
        Value::Int(int) => *int,
        Value::Float(float) => php::float_to_int(*float),
        Value::Str(bytes) => php::string_to_int(bytes),
        Value::Array(array) => i64::from(!array.is_empty()),
    }
}

/// PHP's `(float)` of a scalar.
pub fn to_float(value: &Value) -> f64 {
    match value {
        Value::Null | Value::Bool(false) => 0.0,
        Value::Bool(true) => 1.0,
        Value::Int(int) => *int as f64,
        Value::Float(float) => *float,
        Value::Str(bytes) => php::string_to_float(bytes),
        Value::Array(array) => f64::from(u8::from(!array.is_empty())),
    }
}

/// PHP's emptiness test (`empty()`): `null`, `false`, `0`, `0.0`, `''`, `'0'` and `[]`.
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(boolean) => !boolean,
        Value::Int(int) => *int == 0,
        Value::Float(float) => *float == 0.0,
        Value::Str(bytes) => bytes.is_empty() || bytes.as_slice() == b"0",
        Value::Array(array) => array.is_empty(),
    }
}

/// `PARAM_BOOL`: `on`/`yes`/`true` are 1 and `off`/`no`/`false` are 0 (any case); otherwise PHP
/// emptiness decides.
pub fn clean_bool(value: &Value) -> i64 {
    if let Value::Str(bytes) = value {
        match bytes.to_ascii_lowercase().as_slice() {
            b"on" | b"yes" | b"true" => return 1,
            b"off" | b"no" | b"false" => return 0,
            _ => {}
        }
    }
    i64::from(!is_empty(value))
}

/// Moodle's `fix_utf8()`: strings lose NUL bytes and invalid UTF-8 sequences; other scalars are
/// returned unchanged.
pub fn fix_utf8(value: &Value) -> Value {
    match value {
        Value::Str(bytes) => Value::Str(fix_utf8_bytes(bytes)),
        other => other.clone(),
    }
}

/// [`fix_utf8`] of a byte string.
pub fn fix_utf8_bytes(bytes: &[u8]) -> PhpString {
    if !bytes.contains(&0)
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return PhpString::from(text);
    }
    let mut out = Vec::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.extend(chunk.valid().bytes().filter(|&b| b != 0));
    }
    PhpString::from(out)
}

/// PHP's string conversion of a scalar (for rules that start with `(string)$value`).
pub fn string_of(value: &Value) -> PhpString {
    value.to_php_string()
}

/// PHP's `trim()` with its default characters: space, `\t`, `\n`, `\r`, `\0`, `\x0B`.
pub fn php_trim(bytes: &[u8]) -> PhpString {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0 | 0x0b);
    let start = bytes.iter().position(|b| !is_space(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_space(b)).map_or(start, |last| last + 1);
    PhpString::from(&bytes[start..end.max(start)])
}

/// The rule of the character-set types: keep the bytes `keep` accepts (`preg_replace` of the
/// complement over the PHP string form).
fn keep_bytes(value: &Value, keep: impl Fn(u8) -> bool) -> Value {
    let text = string_of(value);
    Value::Str(text.iter().copied().filter(|&b| keep(b)).collect::<Vec<u8>>().into())
}

/// `PARAM_AUTH`, `PARAM_LANG`, `PARAM_THEME`: clean the name syntactically, then keep it only if
/// the site has such a component.
fn keep_if_installed(
    value: &Value,
    param: ParamType,
    site: &SiteSettings,
    installed: impl Fn(&SiteSettings) -> &std::collections::HashSet<String>,
) -> Value {
    let syntax = if param == ParamType::Lang { ParamType::SafeDir } else { ParamType::Plugin };
    let name = string_of(&clean(value, syntax, site));
    let known = name.to_str().is_ok_and(|name| !name.is_empty() && installed(site).contains(name));
    Value::Str(if known { name } else { PhpString::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cleans `input` (a PHP value) as `param` on a default site and compares with `expected`.
    fn check(param: ParamType, input: Value, expected: Value) {
        let cleaned = clean(&input, param, &SiteSettings::default());
        assert_eq!(cleaned, expected, "clean({input:?}, {param})");
    }

    /// Spec 03 §7 footnote 1.
    const S: &str = "#()*#,9789'\".,<42897></?$(*DSFMO#$*)(SDJ)($*)";

    #[test]
    fn names_round_trip_and_aliases_canonicalise() {
        for param in ParamType::ALL {
            assert_eq!(ParamType::from_name(param.name()), Ok(param));
        }
        assert_eq!(ParamType::from_name("integer"), Ok(ParamType::Int));
        assert_eq!(ParamType::from_name("number"), Ok(ParamType::Float));
        assert_eq!(ParamType::from_name("action"), Ok(ParamType::AlphaNumExt));
        assert_eq!(ParamType::from_name("format"), Ok(ParamType::AlphaNumExt));
        assert_eq!(ParamType::from_name("multilang"), Ok(ParamType::Text));
        assert_eq!(ParamType::from_name("cleanfile"), Ok(ParamType::File));
        assert_eq!(
            ParamType::from_name("bogus").unwrap_err().to_string(),
            "Unknown parameter type 'bogus'"
        );
    }

    #[test]
    fn character_set_types_spec_03_section_7() {
        check(ParamType::Alpha, S.into(), "DSFMOSDJ".into());
        check(ParamType::AlphaExt, S.into(), "DSFMOSDJ".into());
        check(ParamType::AlphaNum, S.into(), "978942897DSFMOSDJ".into());
        check(ParamType::Sequence, S.into(), ",9789,42897".into());
        check(ParamType::SafePath, "folder/../file".into(), "folder//file".into());
        check(ParamType::AlphaNum, Value::Int(666), "666".into());
        check(ParamType::Alpha, Value::Null, "".into());
        check(ParamType::SafeDir, Value::Null, "".into());
    }

    #[test]
    fn int_float_bool_and_permission() {
        check(ParamType::Int, "11".into(), Value::Int(11));
        check(ParamType::Int, "11a".into(), Value::Int(11));
        check(ParamType::Int, Value::Null, Value::Int(0));
        check(ParamType::Float, Value::Null, Value::Float(0.0));
        check(ParamType::Float, "1.0".into(), Value::Float(1.0));
        check(ParamType::Bool, Value::Null, Value::Int(0));
        for yes in ["on", "YES", "True", "1", "2", "abc"] {
            check(ParamType::Bool, yes.into(), Value::Int(1));
        }
        for no in ["off", "No", "FALSE", "0", ""] {
            check(ParamType::Bool, no.into(), Value::Int(0));
        }
        check(ParamType::Permission, "-1000".into(), Value::Int(-1000));
        check(ParamType::Permission, "5".into(), Value::Int(0));
        check(ParamType::Permission, Value::Null, Value::Int(0));
    }

    #[test]
    fn raw_repairs_utf8_and_raw_trimmed_trims() {
        check(ParamType::Raw, S.into(), S.into());
        check(ParamType::Raw, Value::Null, Value::Null);
        check(ParamType::Raw, Value::Int(5), Value::Int(5));
        check(
            ParamType::Raw,
            Value::Str(PhpString::from(&b"a\x82\xc5\xa1"[..])),
            Value::Str(PhpString::from("aš")),
        );
        check(ParamType::Raw, Value::Str(PhpString::from(&b"a\0b"[..])), "ab".into());
        check(ParamType::RawTrimmed, "   Frog toad   \r\n  ".into(), "Frog toad".into());
        check(ParamType::RawTrimmed, Value::Null, "".into());
    }

    #[test]
    fn installed_components() {
        check(ParamType::Lang, "en".into(), "en".into());
        check(ParamType::Lang, "xx".into(), "".into());
        check(ParamType::Auth, "manual".into(), "manual".into());
        check(ParamType::Theme, "boost".into(), "boost".into());
        check(ParamType::Capability, "moodle/site:config".into(), "".into());
    }
}
