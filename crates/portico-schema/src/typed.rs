//! Typed arguments and results: the bridge between [`Value`] trees and ordinary Rust types.
//!
//! A function author writes plain structs with `#[derive(Describe)]` (crate `portico-macros`);
//! the derive implements the three traits here, so the description, the conversion of validated
//! arguments into the struct, and the conversion of the result back into a value tree all come
//! from one declaration.
//!
//! Conversions happen *after* validation, so the shape is already right. Where a declared type
//! and a Rust type differ (a `PARAM_RAW` value read into an `i64`, a `null` that the description
//! allowed for a `String`), PHP's own casts decide, exactly as the PHP function body would see it:
//! `null` reads as `0`, `""` or `false`. A mismatch that no cast can bridge (a list where a struct
//! is expected) is a defect in the declaration and reported as `coding_exception`.

use std::borrow::Cow;

use crate::desc::{Desc, DescKind};
use crate::exception::Exception;
use crate::param::{self, ParamType};
use crate::value::{Array, Key, PhpString, Value};

/// A type with a description.
pub trait Describe {
    /// The description of a value of this type, as a required node.
    fn describe() -> Desc;
}

/// A type that can be built from a validated value.
pub trait FromValue: Sized {
    /// Builds the value; fails only when the description and the type disagree.
    fn from_value(value: Value) -> Result<Self, Exception>;

    /// What an absent key means for this type: an error for most types, `None` for options.
    fn from_absent(name: &str) -> Result<Self, Exception> {
        Err(Exception::coding(format!("the validated arguments lack the key {name}")))
    }
}

/// A type that can be turned into a value tree for return-value cleaning.
pub trait IntoValue {
    /// The value.
    fn into_value(self) -> Value;

    /// Whether this value stands for an absent key (`None` of an optional field).
    fn is_absent(&self) -> bool {
        false
    }
}

/// What a function returns: a described value, or `()` for Moodle's `null` return description
/// (the result is then sent as `null` without cleaning, spec 03 §2.5 and §5.6).
pub trait ReturnValue {
    /// The return description, `None` for no description.
    fn returns_desc() -> Option<Desc>;

    /// The value to clean and send.
    fn into_return_value(self) -> Value;
}

impl<T: Describe + IntoValue> ReturnValue for T {
    fn returns_desc() -> Option<Desc> {
        Some(T::describe())
    }

    fn into_return_value(self) -> Value {
        self.into_value()
    }
}

impl ReturnValue for () {
    fn returns_desc() -> Option<Desc> {
        None
    }

    fn into_return_value(self) -> Value {
        Value::Null
    }
}

/// The value of `key` in a validated structure, converted; for derived `FromValue` impls.
pub fn take_field<T: FromValue>(array: &mut Array, key: &str) -> Result<T, Exception> {
    match array.remove(&Key::from(key)) {
        Some(value) => T::from_value(value),
        None => T::from_absent(key),
    }
}

/// The array a derived struct is read from; for derived `FromValue` impls.
pub fn expect_structure(value: Value, type_name: &str) -> Result<Array, Exception> {
    match value {
        Value::Array(array) => Ok(array),
        // A structure that allowed null, or an empty PHP array: read every field as absent.
        Value::Null => Ok(Array::new()),
        other => Err(Exception::coding(format!(
            "{type_name} expects a structure, the validated value is a {}",
            other.php_type_name()
        ))),
    }
}

/// Puts `value` under `key` unless it stands for an absent key ([`IntoValue::is_absent`]); for
/// derived `IntoValue` impls. This is how a `None` of a `VALUE_OPTIONAL` field is left out, as
/// Moodle leaves out an absent optional key.
pub fn put_field<T: IntoValue>(array: &mut Array, key: &str, value: T) {
    if !value.is_absent() {
        array.insert(Key::from(key), value.into_value());
    }
}

/// `desc` with its documentation text replaced; for derived `Describe` impls, where a field's doc
/// comment describes the node its type gives.
pub fn with_text(mut desc: Desc, text: impl Into<Cow<'static, str>>) -> Desc {
    desc.desc = text.into();
    desc
}

/// `desc` with the type of its innermost value node set to `param`, looking through lists: this
/// is `#[describe(param = …)]`, so a `Vec<Option<String>>` field names the type of its strings.
///
/// # Panics
///
/// When the path through lists ends at a single structure, which has no type to set: the
/// declaration is wrong, and the panic names the type so it shows the first time the function's
/// description is built (at registration, hence in every test that registers it).
pub fn with_param(mut desc: Desc, param: ParamType) -> Desc {
    let mut node = &mut desc;
    loop {
        match &mut node.kind {
            DescKind::Value(declared) => {
                *declared = param;
                return desc;
            }
            DescKind::Multiple(content) => node = content,
            DescKind::Single(_) => panic!(
                "#[describe(param = {param:?})] on a structure: only value nodes have a PARAM type"
            ),
        }
    }
}

/// The variant of a fieldless enum whose wire string is `value`; for derived `FromValue` impls of
/// enums, which pass every `(wire string, variant)` pair.
///
/// A string that names no variant is the client's fault, so it is `invalid_parameter_exception`.
/// Moodle has no enum values (a function checks such strings itself), so the debug information is
/// Portico's own, worded like Moodle's message for a value of the wrong type:
/// `Invalid external api parameter: the value is "<v>", the server was expecting one of "a", "b"`.
pub fn variant_from_value<T, const N: usize>(
    value: Value,
    variants: [(&'static str, T); N],
) -> Result<T, Exception> {
    let string = value.to_php_string();
    let names: Vec<&str> = variants.iter().map(|(name, _)| *name).collect();
    if let Some((_, variant)) =
        variants.into_iter().find(|(name, _)| name.as_bytes() == string.as_slice())
    {
        return Ok(variant);
    }
    let mut debuginfo = PhpString::from("Invalid external api parameter: the value is \"");
    debuginfo.extend_from_slice(&string);
    debuginfo.extend_from_slice(b"\", the server was expecting one of ");
    let quoted: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
    debuginfo.extend_from_slice(quoted.join(", ").as_bytes());
    Err(Exception::invalid_parameter(debuginfo))
}

macro_rules! integer_types {
    ($($int:ty),*) => {$(
        impl Describe for $int {
            fn describe() -> Desc {
                Desc::value(ParamType::Int, "")
            }
        }

        impl FromValue for $int {
            fn from_value(value: Value) -> Result<Self, Exception> {
                let int = param::to_int(&value);
                <$int>::try_from(int).map_err(|_| {
                    Exception::coding(format!("{int} does not fit {}", stringify!($int)))
                })
            }
        }

        impl IntoValue for $int {
            fn into_value(self) -> Value {
                // Values beyond i64 (only possible for u64) saturate, as PHP ints would.
                Value::Int(i64::try_from(self).unwrap_or(i64::MAX))
            }
        }
    )*};
}

integer_types!(i64, i32, u32, u64, u16, u8, usize);

impl Describe for f64 {
    fn describe() -> Desc {
        Desc::value(ParamType::Float, "")
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<f64, Exception> {
        Ok(param::to_float(&value))
    }
}

impl IntoValue for f64 {
    fn into_value(self) -> Value {
        Value::Float(self)
    }
}

impl Describe for bool {
    fn describe() -> Desc {
        Desc::value(ParamType::Bool, "")
    }
}

impl FromValue for bool {
    fn from_value(value: Value) -> Result<bool, Exception> {
        Ok(!param::is_empty(&value))
    }
}

impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

impl Describe for String {
    /// Strings default to `PARAM_RAW`; declarations name a stricter type with
    /// `#[describe(param = …)]`.
    fn describe() -> Desc {
        Desc::value(ParamType::Raw, "")
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<String, Exception> {
        let bytes = value.to_php_string();
        Ok(String::from_utf8(bytes.into())
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()))
    }
}

impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::Str(PhpString::from(self))
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::Str(PhpString::from(self))
    }
}

impl<T: Describe> Describe for Vec<T> {
    fn describe() -> Desc {
        Desc::multiple(T::describe(), "")
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: Value) -> Result<Vec<T>, Exception> {
        match value {
            Value::Array(array) => {
                array.into_iter().map(|(_, element)| T::from_value(element)).collect()
            }
            Value::Null => Ok(Vec::new()),
            other => {
                Err(Exception::coding(format!("a list expected, got a {}", other.php_type_name())))
            }
        }
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::Array(Array::list(self.into_iter().map(IntoValue::into_value)))
    }
}

impl<T: Describe> Describe for Option<T> {
    /// An option describes like its content; the derive makes the key optional.
    fn describe() -> Desc {
        T::describe()
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Option<T>, Exception> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }

    fn from_absent(_name: &str) -> Result<Option<T>, Exception> {
        Ok(None)
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Value, Exception> {
        Ok(value)
    }
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_with_php_casts() {
        assert_eq!(i64::from_value(Value::Int(5)), Ok(5));
        assert_eq!(i64::from_value(Value::Null), Ok(0));
        assert_eq!(String::from_value(Value::Null).unwrap(), "");
        assert_eq!(String::from_value(Value::Int(7)).unwrap(), "7");
        assert_eq!(bool::from_value(Value::Bool(true)), Ok(true));
        assert_eq!(bool::from_value(Value::str("0")), Ok(false));
        assert!(u8::from_value(Value::Int(300)).is_err());
    }

    #[test]
    fn options_and_lists() {
        assert_eq!(Option::<i64>::from_value(Value::Null), Ok(None));
        assert_eq!(Option::<i64>::from_absent("x"), Ok(None));
        assert!(i64::from_absent("x").is_err());
        let list = Value::Array(Array::list([Value::Int(1), Value::Int(2)]));
        assert_eq!(Vec::<i64>::from_value(list.clone()), Ok(vec![1, 2]));
        assert_eq!(vec![1i64, 2].into_value(), list);
    }

    #[test]
    fn put_field_leaves_out_absent_values() {
        let mut array = Array::new();
        put_field(&mut array, "theme", None::<String>);
        put_field(&mut array, "userid", 2i64);
        put_field(&mut array, "lang", Some("en"));
        let expected: Array =
            [(Key::from("userid"), Value::Int(2)), (Key::from("lang"), Value::str("en"))]
                .into_iter()
                .collect();
        assert_eq!(array, expected);
    }

    #[test]
    fn with_param_sets_the_innermost_value_node() {
        let desc = with_param(Vec::<Vec<Option<String>>>::describe(), ParamType::Text);
        let inner = Desc::multiple(Desc::multiple(Desc::value(ParamType::Text, ""), ""), "");
        assert_eq!(desc, inner);
        assert_eq!(with_param(i64::describe(), ParamType::Sequence).kind, {
            DescKind::Value(ParamType::Sequence)
        });
    }

    #[test]
    fn with_param_on_a_structure_names_the_mistake() {
        let structure = Desc::multiple(Desc::single([("id", i64::describe())], ""), "");
        let panic =
            std::panic::catch_unwind(|| with_param(structure, ParamType::Text)).unwrap_err();
        let message = panic.downcast_ref::<String>().expect("panic! with arguments gives a String");
        assert_eq!(
            message,
            "#[describe(param = Text)] on a structure: only value nodes have a PARAM type"
        );
    }

    #[test]
    fn with_text_replaces_the_text() {
        assert_eq!(with_text(bool::describe(), "Whether.").desc, "Whether.");
    }

    #[test]
    fn variants_read_from_their_wire_strings() {
        let variants = || [("inline", 1), ("popup", 2)];
        assert_eq!(variant_from_value(Value::str("popup"), variants()), Ok(2));
        let error = variant_from_value(Value::str("Popup"), variants()).unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
        assert_eq!(
            error.debuginfo.unwrap(),
            "Invalid external api parameter: the value is \"Popup\", the server was expecting \
             one of \"inline\", \"popup\""
        );
    }
}
