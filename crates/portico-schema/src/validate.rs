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
) -> Result<Value, Exception> {
    validate(params.desc(), args, site)
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
                let key = Key::from(field.name.as_ref());
                let validated = match input.remove(&key) {
                    Some(child) => validate(&field.desc, child, site),
                    None => match &field.desc.required {
                        Required::Required => {
                            return Err(Exception::invalid_parameter(format!(
                                "Missing required key in single structure: {}",
                                field.name
                            )));
                        }
                        Required::Default(default) => validate(&field.desc, default.clone(), site),
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
                let key = Key::from(field.name.as_ref());
                let cleaned = match input.remove(&key) {
                    Some(child) => clean_returnvalue(&field.desc, child, site),
                    None => match (&field.desc.required, &field.desc.kind) {
                        (Required::Required, _) => {
                            return Err(Exception::invalid_response(format!(
                                "Error in response - Missing following required key in a single structure: {}",
                                field.name
                            )));
                        }
                        (Required::Default(default), DescKind::Value(_)) => {
                            clean_returnvalue(&field.desc, default.clone(), site)
                        }
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
    if value.to_php_string() != cleaned.to_php_string() {
        return Err(invalid());
    }
    Ok(cleaned)
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
