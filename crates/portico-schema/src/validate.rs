//! Parameter validation and return-value cleaning: spec 03 §4 and §5, step by step.
//!
//! Both walk a [`Desc`] and a [`Value`] together and produce a new value in description order.
//! They differ in small, deliberate ways that clients notice: unknown keys are an error in
//! parameters and silently dropped from return values; `VALUE_DEFAULT` applies at every level of
//! parameters but only to value nodes of return values; the error texts differ. Errors inside a
//! single structure are re-wrapped as `<key> => <message>: <debuginfo>`, where the message carries
//! the inner debug text on developer sites (§4.3); list indexes never appear in the path.

use bstr::ByteSlice;

use crate::desc::{Desc, DescKind, Parameters, Required};
use crate::exception::Exception;
use crate::param::{self, ParamType};
use crate::settings::SiteSettings;
use crate::valid::Valid;
use crate::value::{Array, Key, PhpString, Value};

/// Which of the two algorithms is running; they share the value-node core.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Parameters,
    Returns,
}

impl Direction {
    fn exception(self, debuginfo: impl Into<PhpString>) -> Exception {
        match self {
            Direction::Parameters => Exception::invalid_parameter(debuginfo),
            Direction::Returns => Exception::invalid_response(debuginfo),
        }
    }
}

/// `external_api::validate_parameters` for a function's parameters: the validated arguments,
/// keys in description order, with defaults filled in and scalars converted to their cleaned types.
pub fn validate_parameters(
    params: &Parameters,
    args: Value,
    site: &SiteSettings,
) -> Result<Valid<Value>, Exception> {
    validate(params.desc(), args, site).map(Valid::new)
}

/// `external_api::validate_parameters` for any description node.
pub fn validate(desc: &Desc, value: Value, site: &SiteSettings) -> Result<Value, Exception> {
    if value.is_null() && desc.allow_null {
        return Ok(Value::Null);
    }
    match &desc.kind {
        DescKind::Value(param) => {
            if matches!(value, Value::Array(_)) {
                return Err(Exception::invalid_parameter(
                    "Scalar type expected, array or object received.",
                ));
            }
            if let Some(boolean) = strict_bool(*param, &value) {
                return Ok(Value::Bool(boolean));
            }
            validate_param(&value, *param, desc.allow_null, site, Direction::Parameters)
        }
        DescKind::Single(fields) => {
            let Value::Array(mut input) = value else {
                return Err(only_arrays("Only arrays accepted.", &value, Direction::Parameters));
            };
            let mut result = Array::with_capacity(fields.len());
            for field in fields {
                let (key, validated) = match input.remove_entry_str(&field.name) {
                    Some((key, child)) => (key, validate(&field.desc, child, site)),
                    None => match &field.desc.required {
                        Required::Required => {
                            return Err(Exception::invalid_parameter(format!(
                                "Missing required key in single structure: {}",
                                field.name
                            )));
                        }
                        Required::Default(default) => (
                            Key::from(field.name.as_ref()),
                            validate(&field.desc, default.clone(), site),
                        ),
                        Required::Optional => continue,
                    },
                };
                let validated = validated
                    .map_err(|error| wrap(&field.name, &error, site, Direction::Parameters))?;
                result.insert(key, validated);
            }
            if !input.is_empty() {
                let keys: Vec<PhpString> = input.keys().map(Key::to_php_string).collect();
                let mut debuginfo = PhpString::from("Unexpected keys (");
                debuginfo.extend_from_slice(&bstr::join(", ", keys));
                debuginfo.extend_from_slice(b") detected in parameter array.");
                return Err(Exception::invalid_parameter(debuginfo));
            }
            Ok(Value::Array(result))
        }
        DescKind::Multiple(content) => {
            let Value::Array(input) = value else {
                return Err(only_arrays("Only arrays accepted.", &value, Direction::Parameters));
            };
            let mut result = Array::with_capacity(input.len());
            for (_, element) in input {
                result.push(validate(content, element, site)?);
            }
            Ok(Value::Array(result))
        }
    }
}

/// `external_api::clean_returnvalue`: the value as it will be sent, or `invalid_response_exception`.
pub fn clean_returnvalue(
    desc: &Desc,
    value: Value,
    site: &SiteSettings,
) -> Result<Value, Exception> {
    if value.is_null() && desc.allow_null {
        return Ok(Value::Null);
    }
    match &desc.kind {
        DescKind::Value(param) => {
            if matches!(value, Value::Array(_)) {
                return Err(Exception::invalid_response(
                    "Scalar type expected, array or object received.",
                ));
            }
            if let Some(boolean) = strict_bool(*param, &value) {
                return Ok(Value::Bool(boolean));
            }
            validate_param(&value, *param, desc.allow_null, site, Direction::Returns)
        }
        DescKind::Single(fields) => {
            let Value::Array(mut input) = value else {
                return Err(only_arrays(
                    "Only arrays/objects accepted.",
                    &value,
                    Direction::Returns,
                ));
            };
            let mut result = Array::with_capacity(fields.len());
            for field in fields {
                let (key, cleaned) = match input.remove_entry_str(&field.name) {
                    Some((key, child)) => (key, clean_returnvalue(&field.desc, child, site)),
                    None => match (&field.desc.required, &field.desc.kind) {
                        (Required::Required, _) => {
                            return Err(Exception::invalid_response(format!(
                                "Error in response - Missing following required key in a single structure: {}",
                                field.name
                            )));
                        }
                        (Required::Default(default), DescKind::Value(_)) => (
                            Key::from(field.name.as_ref()),
                            clean_returnvalue(&field.desc, default.clone(), site),
                        ),
                        _ => continue,
                    },
                };
                let cleaned =
                    cleaned.map_err(|error| wrap(&field.name, &error, site, Direction::Returns))?;
                result.insert(key, cleaned);
            }
            Ok(Value::Array(result))
        }
        DescKind::Multiple(content) => {
            let Value::Array(input) = value else {
                return Err(only_arrays("Only arrays accepted.", &value, Direction::Returns));
            };
            let mut result = Array::with_capacity(input.len());
            for (_, element) in input {
                result.push(clean_returnvalue(content, element, site)?);
            }
            Ok(Value::Array(result))
        }
    }
}

/// The lenient `PARAM_BOOL` shortcut of both algorithms: a PHP bool, the ints `0`/`1` or the
/// strings `'0'`/`'1'` become a bool (strict comparisons, so the float `1.0` is not caught here).
fn strict_bool(param: ParamType, value: &Value) -> Option<bool> {
    if param != ParamType::Bool {
        return None;
    }
    match value {
        Value::Bool(boolean) => Some(*boolean),
        Value::Int(0) => Some(false),
        Value::Int(1) => Some(true),
        Value::Str(bytes) if bytes.as_slice() == b"0" => Some(false),
        Value::Str(bytes) if bytes.as_slice() == b"1" => Some(true),
        _ => None,
    }
}

/// `validate_param()` (spec 03 §4.1): the cleaned value if cleaning leaves the value's PHP string
/// form unchanged (floats have their own rule), else the direction's exception.
fn validate_param(
    value: &Value,
    param: ParamType,
    allow_null: bool,
    site: &SiteSettings,
    direction: Direction,
) -> Result<Value, Exception> {
    let invalid = || {
        let mut debuginfo = PhpString::from(match direction {
            Direction::Parameters => "Invalid external api parameter: the value is \"",
            Direction::Returns => "Invalid external api response: the value is \"",
        });
        debuginfo.extend_from_slice(&value.to_php_string());
        if direction == Direction::Returns {
            debuginfo.extend_from_slice(
                format!("\" of PHP type \"{}", value.php_type_name()).as_bytes(),
            );
        }
        debuginfo
            .extend_from_slice(format!("\", the server was expecting \"{param}\" type").as_bytes());
        direction.exception(debuginfo)
    };
    if value.is_null() {
        return if allow_null { Ok(Value::Null) } else { Err(invalid()) };
    }
    let cleaned = param::clean(value, param, site);
    if param == ParamType::Float {
        let valid = match value {
            Value::Int(_) | Value::Float(_) => true,
            Value::Str(bytes) => crate::php::is_numeric(bytes) && is_float_literal(bytes),
            _ => false,
        };
        return if valid { Ok(cleaned) } else { Err(invalid()) };
    }
    if !same_php_string(value, &cleaned) {
        return Err(invalid());
    }
    Ok(cleaned)
}

/// Whether two scalars have the same PHP string form, without allocating in the common cases.
fn same_php_string(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(a), Value::Str(b)) => a == b,
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Str(text), Value::Int(int)) | (Value::Int(int), Value::Str(text)) => {
            crate::php::canonical_int(text) == Some(*int)
        }
        _ => a.to_php_string() == b.to_php_string(),
    }
}

/// Moodle's float pattern `/^[+-]?[0-9]*\.?[0-9]*(e[-+]?[0-9]+)?$/i`, including PHP's `$` that
/// also matches before one final newline.
fn is_float_literal(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut rest = bytes.strip_prefix(b"+").or_else(|| bytes.strip_prefix(b"-")).unwrap_or(bytes);
    let digits = |rest: &[u8]| rest.iter().take_while(|b| b.is_ascii_digit()).count();
    rest = &rest[digits(rest)..];
    if let Some(after_point) = rest.strip_prefix(b".") {
        rest = &after_point[digits(after_point)..];
    }
    if let Some(exponent) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exponent =
            exponent.strip_prefix(b"+").or_else(|| exponent.strip_prefix(b"-")).unwrap_or(exponent);
        let count = digits(exponent);
        return count > 0 && count == exponent.len();
    }
    rest.is_empty()
}

/// `Only arrays accepted. The bad value is: '<print_r>'` (`print_r` of a scalar is its string form).
fn only_arrays(prefix: &str, value: &Value, direction: Direction) -> Exception {
    let mut debuginfo = PhpString::from(format!("{prefix} The bad value is: '"));
    debuginfo.extend_from_slice(&value.to_php_string());
    debuginfo.push(b'\'');
    direction.exception(debuginfo)
}

/// `<key> => <inner message>: <inner debuginfo>` as the new exception's debug text.
fn wrap(key: &str, inner: &Exception, site: &SiteSettings, direction: Direction) -> Exception {
    let mut debuginfo = PhpString::from(format!("{key} => "));
    debuginfo.extend_from_slice(&inner.full_message(site.developer_messages));
    debuginfo.extend_from_slice(b": ");
    if let Some(inner_debuginfo) = &inner.debuginfo {
        debuginfo.extend_from_slice(inner_debuginfo.as_bytes());
    }
    direction.exception(debuginfo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(desc: &str) -> Desc {
        Desc::value(ParamType::Int, desc.to_string())
    }

    fn list(values: impl IntoIterator<Item = Value>) -> Value {
        Value::Array(Array::list(values))
    }

    fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
        Value::Array(entries.into_iter().map(|(key, value)| (Key::from(key), value)).collect())
    }

    fn site(developer_messages: bool) -> SiteSettings {
        SiteSettings { developer_messages, ..SiteSettings::default() }
    }

    /// Validates `input` against `desc` on a production site: `Ok(value)` or `Err(debuginfo)`.
    fn check(desc: &Desc, input: Value, expected: Result<Value, &str>) {
        check_on(&site(false), desc, input, expected);
    }

    fn check_on(site: &SiteSettings, desc: &Desc, input: Value, expected: Result<Value, &str>) {
        let actual = validate(desc, input.clone(), site).map_err(|error| {
            assert_eq!(error.errorcode, "invalidparameter");
            assert_eq!(error.message, "Invalid parameter value detected");
            error.debuginfo.expect("validation errors carry debug information").to_string()
        });
        assert_eq!(actual, expected.map_err(str::to_string), "validate({input:?})");
    }

    /// Cleans `output` against `desc` on a production site: `Ok(value)` or `Err(debuginfo)`.
    fn check_returns(desc: &Desc, output: Value, expected: Result<Value, &str>) {
        let actual = clean_returnvalue(desc, output.clone(), &site(false)).map_err(|error| {
            assert_eq!(error.errorcode, "invalidresponse");
            assert_eq!(error.message, "Invalid response value detected");
            error.debuginfo.expect("cleaning errors carry debug information").to_string()
        });
        assert_eq!(actual, expected.map_err(str::to_string), "clean_returnvalue({output:?})");
    }

    fn expecting(value: &str, param: &str) -> String {
        format!(
            "Invalid external api parameter: the value is \"{value}\", the server was expecting \"{param}\" type"
        )
    }

    #[test]
    fn int_strings_must_be_canonical_spec_03_section_4_1() {
        let desc = int("");
        check(&desc, "11".into(), Ok(Value::Int(11)));
        check(&desc, "-5".into(), Ok(Value::Int(-5)));
        check(&desc, "9223372036854775807".into(), Ok(Value::Int(i64::MAX)));
        for bad in
            ["11a", "", "-0", "+1", " 1", "1 ", "1.0", "1e3", "012", "9223372036854775808", "abc"]
        {
            check(&desc, bad.into(), Err(&expecting(bad, "int")));
        }
    }

    #[test]
    fn int_from_json_values_spec_01_section_5_1() {
        // Observed on Moodle 4.1.10 through the AJAX endpoint.
        let desc = int("");
        check(&desc, Value::Int(5), Ok(Value::Int(5)));
        check(&desc, Value::Float(5.0), Ok(Value::Int(5)));
        check(&desc, Value::Bool(true), Ok(Value::Int(1)));
        check(&desc, "5".into(), Ok(Value::Int(5)));
        check(&desc, Value::Null, Ok(Value::Null));
        check(&desc, Value::Float(5.5), Err(&expecting("5.5", "int")));
        check(&desc, Value::Bool(false), Err(&expecting("", "int")));
        check(&desc, "5.0".into(), Err(&expecting("5.0", "int")));
        check(&desc, Value::Float(1e20), Err(&expecting("1.0E+20", "int")));
    }

    #[test]
    fn float_has_its_own_rule_spec_03_section_4_1() {
        let desc = Desc::value(ParamType::Float, "");
        let long = "1".repeat(75);
        for good in [
            "1.0",
            "0",
            "011.1",
            "11",
            "+.1",
            "-.1",
            "1e10",
            ".1e+10",
            "1E-1",
            "1.5\n",
            long.as_str(),
        ] {
            let expected = crate::php::string_to_float(good.as_bytes());
            check(&desc, good.into(), Ok(Value::Float(expected)));
        }
        check(&desc, Value::Float(1.0), Ok(Value::Float(1.0)));
        check(&desc, Value::Int(10), Ok(Value::Float(10.0)));
        for bad in ["1,2", "", ".", "e10", "abc", " 1", "1 ", "0x1A", "1e"] {
            check(&desc, bad.into(), Err(&expecting(bad, "float")));
        }
        check(&desc, Value::Bool(true), Err(&expecting("1", "float")));
    }

    #[test]
    fn bool_accepts_only_zero_and_one_spec_03_section_4_2() {
        let desc = Desc::value(ParamType::Bool, "");
        check(&desc, "1".into(), Ok(Value::Bool(true)));
        check(&desc, "0".into(), Ok(Value::Bool(false)));
        check(&desc, Value::Int(1), Ok(Value::Bool(true)));
        check(&desc, Value::Bool(false), Ok(Value::Bool(false)));
        // A float passes validate_param and comes out as the int 1 (spec 03 §5.3).
        check(&desc, Value::Float(1.0), Ok(Value::Int(1)));
        for bad in ["true", "false", "on", "yes", "", "2"] {
            check(&desc, bad.into(), Err(&expecting(bad, "bool")));
        }
        check(&desc, Value::Int(2), Err(&expecting("2", "bool")));
    }

    #[test]
    fn conversions_at_a_glance_spec_03_section_4_4() {
        let alphanum = Desc::value(ParamType::AlphaNum, "");
        let raw = Desc::value(ParamType::Raw, "");
        for input in ["5", "1", "true", "abc", ""] {
            check(&alphanum, input.into(), Ok(input.into()));
            check(&raw, input.into(), Ok(input.into()));
        }
        check(&Desc::value(ParamType::Float, ""), "5".into(), Ok(Value::Float(5.0)));
        // Numbers declared as strings become their PHP string form (external_api_test.php).
        check(&alphanum, Value::Int(666), Ok("666".into()));
        // raw keeps a non-string scalar's type.
        check(&raw, Value::Int(666), Ok(Value::Int(666)));
        check(&alphanum, "a b".into(), Err(&expecting("a b", "alphanum")));
        check(&raw, Value::Str(PhpString::from(&b"a\0b"[..])), Err(&expecting("a\0b", "raw")));
    }

    #[test]
    fn null_follows_allownull_spec_03_section_2_6() {
        check(&int("").allow_null(false), Value::Null, Err(&expecting("", "int")));
        let structure = Desc::single([("a", int(""))], "");
        check(&structure, Value::Null, Err("Only arrays accepted. The bad value is: ''"));
        check(&structure.clone().allow_null(true), Value::Null, Ok(Value::Null));
        let required_null = Desc::single([("a", int(""))], "");
        check(&required_null, map([("a", Value::Null)]), Ok(map([("a", Value::Null)])));
    }

    #[test]
    fn single_structures_spec_03_section_4_2() {
        let desc = Desc::single(
            [
                ("first", int("")),
                ("second", int("").with_default(Value::Int(7))),
                ("third", int("").optional()),
                ("list", Desc::multiple(int(""), "").with_default(Value::Array(Array::new()))),
            ],
            "",
        );
        // Keys come out in description order, defaults filled, optional keys left out.
        check(
            &desc,
            map([("list", list(["1".into()])), ("first", "1".into())]),
            Ok(map([
                ("first", Value::Int(1)),
                ("second", Value::Int(7)),
                ("list", list([Value::Int(1)])),
            ])),
        );
        check(&desc, map([]), Err("Missing required key in single structure: first"));
        check(
            &desc,
            map([("zz", "1".into()), ("first", "1".into()), ("aa", "2".into())]),
            Err("Unexpected keys (zz, aa) detected in parameter array."),
        );
        // The unexpected-keys check runs only once the described keys are valid.
        check(
            &desc,
            map([("zz", "1".into()), ("first", "x".into())]),
            Err(&format!("first => Invalid parameter value detected: {}", expecting("x", "int"))),
        );
        check(&desc, "abc".into(), Err("Only arrays accepted. The bad value is: 'abc'"));
    }

    #[test]
    fn numeric_keys_are_printed_as_php_does() {
        let desc = Desc::single([("a", int(""))], "");
        let mut input = Array::new();
        input.insert(Key::from("a"), "1".into());
        input.insert(Key::Int(3), "1".into());
        check(&desc, Value::Array(input), Err("Unexpected keys (3) detected in parameter array."));
    }

    #[test]
    fn lists_are_renumbered_spec_03_section_4_2() {
        let desc = Desc::multiple(int(""), "");
        let mut input = Array::new();
        input.push("1".into());
        input.push(Value::Int(2));
        input.insert(Key::from("a"), "3".into());
        check(&desc, Value::Array(input), Ok(list([Value::Int(1), Value::Int(2), Value::Int(3)])));
        check(&desc, "abc".into(), Err("Only arrays accepted. The bad value is: 'abc'"));
    }

    #[test]
    fn error_paths_observed_on_moodle_4_1_spec_03_section_4_2() {
        let user = Desc::single([("username", Desc::value(ParamType::Username, ""))], "");
        let params = Parameters::new([
            ("users", Desc::multiple(user, "")),
            ("userid", int("")),
            ("options", Desc::single([("ids", Desc::multiple(int(""), ""))], "")),
        ]);
        let run = |input: Value| {
            validate_parameters(&params, input, &site(false))
                .unwrap_err()
                .debuginfo
                .unwrap()
                .to_string()
        };
        let base = || [("userid", "1".into()), ("options", map([("ids", list([]))]))];
        let [userid, options] = base();
        assert_eq!(
            run(map([("users", "abc".into()), userid.clone(), options.clone()])),
            "users => Invalid parameter value detected: Only arrays accepted. The bad value is: 'abc'"
        );
        assert_eq!(
            run(map([("users", list([])), ("userid", list(["1".into()])), options.clone()])),
            "userid => Invalid parameter value detected: Scalar type expected, array or object received."
        );
        assert_eq!(
            run(map([
                ("users", list([map([("username", "u".into()), ("bogus", "1".into())])])),
                userid.clone(),
                options.clone()
            ])),
            "users => Invalid parameter value detected: Unexpected keys (bogus) detected in parameter array."
        );
        assert_eq!(
            run(map([
                ("users", list([])),
                userid,
                ("options", map([("ids", list(["abc".into()]))]))
            ])),
            "options => Invalid parameter value detected: ids => Invalid parameter value detected: \
             Invalid external api parameter: the value is \"abc\", the server was expecting \"int\" type"
        );
        assert_eq!(
            run(map([("users", list([]))])),
            "Missing required key in single structure: userid"
        );
    }

    #[test]
    fn developer_sites_repeat_the_inner_text_spec_03_section_4_3() {
        let desc = Desc::single([("b", int(""))], "");
        let inner = expecting("x", "int");
        check_on(
            &site(true),
            &desc,
            map([("b", "x".into())]),
            Err(&format!("b => Invalid parameter value detected ({inner}): {inner}")),
        );
        let error = validate(&desc, map([("b", "x".into())]), &site(true)).unwrap_err();
        assert_eq!(
            error.full_message(true),
            format!(
                "Invalid parameter value detected (b => Invalid parameter value detected ({inner}): {inner})"
            )
        );
    }

    #[test]
    fn defaults_of_structures_are_validated_spec_03_section_2_6() {
        let desc = Desc::single(
            [(
                "options",
                Desc::single([("a", int("").with_default(Value::Int(1)))], "")
                    .with_default(map([])),
            )],
            "",
        );
        check(&desc, map([]), Ok(map([("options", map([("a", Value::Int(1))]))])));
        let broken = Desc::single([("n", int("").with_default("abc"))], "");
        check(
            &broken,
            map([]),
            Err(&format!("n => Invalid parameter value detected: {}", expecting("abc", "int"))),
        );
    }

    #[test]
    fn return_values_are_converted_spec_03_section_5_3() {
        let desc = Desc::single(
            [
                ("id", int("")),
                ("name", Desc::value(ParamType::Text, "")),
                ("visible", Desc::value(ParamType::Bool, "")),
                ("score", Desc::value(ParamType::Float, "")),
            ],
            "",
        );
        check_returns(
            &desc,
            map([
                ("extra", "dropped".into()),
                ("visible", Value::Int(1)),
                ("name", Value::Int(5)),
                ("id", "12".into()),
                ("score", Value::Int(3)),
            ]),
            Ok(map([
                ("id", Value::Int(12)),
                ("name", "5".into()),
                ("visible", Value::Bool(true)),
                ("score", Value::Float(3.0)),
            ])),
        );
        check_returns(&int(""), Value::Bool(true), Ok(Value::Int(1)));
        check_returns(
            &int(""),
            Value::Bool(false),
            Err(
                "Invalid external api response: the value is \"\" of PHP type \"boolean\", the server was expecting \"int\" type",
            ),
        );
        check_returns(
            &int("").allow_null(false),
            Value::Null,
            Err(
                "Invalid external api response: the value is \"\" of PHP type \"NULL\", the server was expecting \"int\" type",
            ),
        );
        check_returns(&Desc::value(ParamType::Bool, ""), Value::Float(1.0), Ok(Value::Int(1)));
        check_returns(
            &Desc::value(ParamType::Bool, ""),
            "true".into(),
            Err(
                "Invalid external api response: the value is \"true\" of PHP type \"string\", the server was expecting \"bool\" type",
            ),
        );
    }

    #[test]
    fn return_structures_spec_03_section_5_1() {
        let desc = Desc::single(
            [
                ("required", int("")),
                ("defaulted", int("").with_default(Value::Int(3))),
                ("defaultedlist", Desc::multiple(int(""), "").with_default(list([]))),
                ("optional", int("").optional()),
            ],
            "",
        );
        check_returns(
            &desc,
            map([("required", Value::Int(1))]),
            Ok(map([("required", Value::Int(1)), ("defaulted", Value::Int(3))])),
        );
        check_returns(
            &desc,
            map([]),
            Err(
                "Error in response - Missing following required key in a single structure: required",
            ),
        );
        check_returns(
            &desc,
            "x".into(),
            Err("Only arrays/objects accepted. The bad value is: 'x'"),
        );
        check_returns(
            &Desc::multiple(int(""), ""),
            "x".into(),
            Err("Only arrays accepted. The bad value is: 'x'"),
        );
        check_returns(&int(""), list([]), Err("Scalar type expected, array or object received."));
        // A structure whose keys are all absent is an empty array (sent as `[]`).
        let all_optional = Desc::single([("a", int("").optional())], "");
        check_returns(&all_optional, map([]), Ok(Value::Array(Array::new())));
    }

    #[test]
    fn nested_return_errors_in_developer_mode_spec_03_section_5_2() {
        let desc = Desc::single([("object", Desc::single([("value1", int(""))], ""))], "");
        let error = clean_returnvalue(&desc, map([("object", map([]))]), &site(true)).unwrap_err();
        assert_eq!(
            error.full_message(true),
            "Invalid response value detected (object => Invalid response value detected (Error in response - \
             Missing following required key in a single structure: value1): Error in response - Missing \
             following required key in a single structure: value1)"
        );
    }
}
