//! The value tree every request and response passes through: PHP's data model.
//!
//! Moodle is PHP, and the exact behaviour of its External API follows from PHP's values: strings are
//! byte strings (a percent-encoded `%FF` is a legal request value that validation must reject, not
//! a decoding failure), arrays are ordered maps whose keys are integers or strings, and a numeric
//! string key such as `"3"` *is* the integer key `3`. [`Value`] models exactly that, so decoders
//! can hand over what PHP would have seen and encoders can decide list-or-object the way
//! `json_encode` does ([`Array::is_list`]).

use std::fmt;

use std::hash::{Hash, Hasher};

use bstr::{BStr, BString, ByteSlice};
use indexmap::{Equivalent, IndexMap};

use crate::php;

/// A PHP string: bytes that are usually, but not necessarily, UTF-8.
pub type PhpString = BString;

/// A PHP value as Moodle's External API sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// PHP `null`.
    Null,
    /// PHP `true` / `false`.
    Bool(bool),
    /// PHP int (64-bit).
    Int(i64),
    /// PHP float.
    Float(f64),
    /// PHP string (bytes).
    Str(PhpString),
    /// PHP array: an ordered map with integer or string keys.
    Array(Array),
}

impl Value {
    /// A string value from UTF-8 text.
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(PhpString::from(text.into()))
    }

    /// The string's text if this is a string holding valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(bytes) => bytes.to_str().ok(),
            _ => None,
        }
    }

    /// The array if this is one.
    pub fn as_array(&self) -> Option<&Array> {
        match self {
            Value::Array(array) => Some(array),
            _ => None,
        }
    }

    /// Whether this is PHP `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// PHP's `(string)` conversion of a scalar (`true` is `"1"`, `false` and `null` are `""`,
    /// floats use PHP's 14-digit `precision`); arrays give `"Array"`, as PHP does.
    pub fn to_php_string(&self) -> PhpString {
        match self {
            Value::Null | Value::Bool(false) => PhpString::default(),
            Value::Bool(true) => PhpString::from("1"),
            Value::Int(int) => PhpString::from(int.to_string()),
            Value::Float(float) => PhpString::from(php::float_to_string(*float)),
            Value::Str(bytes) => bytes.clone(),
            Value::Array(_) => PhpString::from("Array"),
        }
    }

    /// PHP's `gettype()` name: `boolean`, `integer`, `double`, `string`, `array` or `NULL`.
    pub fn php_type_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "double",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Str(PhpString::from(text))
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Str(PhpString::from(text))
    }
}

impl From<i64> for Value {
    fn from(int: i64) -> Value {
        Value::Int(int)
    }
}

impl From<bool> for Value {
    fn from(boolean: bool) -> Value {
        Value::Bool(boolean)
    }
}

impl From<f64> for Value {
    fn from(float: f64) -> Value {
        Value::Float(float)
    }
}

impl From<Array> for Value {
    fn from(array: Array) -> Value {
        Value::Array(array)
    }
}

/// A PHP array key: PHP stores a decimal string such as `"3"` as the integer `3`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    /// An integer key.
    Int(i64),
    /// A string key that is not a canonical decimal integer.
    Str(PhpString),
}

impl Key {
    /// The key PHP makes of these bytes: canonical decimal integers (`"3"`, `"-7"`, but not
    /// `"03"`, `"-0"`, `"+1"` or values beyond 64 bits) become integer keys.
    pub fn from_bytes(bytes: &[u8]) -> Key {
        match php::canonical_int(bytes) {
            Some(int) => Key::Int(int),
            None => Key::Str(PhpString::from(bytes)),
        }
    }

    /// The key as PHP prints it.
    pub fn to_php_string(&self) -> PhpString {
        match self {
            Key::Int(int) => PhpString::from(int.to_string()),
            Key::Str(bytes) => bytes.clone(),
        }
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_ref_key().hash(state);
    }
}

impl Key {
    fn as_ref_key(&self) -> KeyRef<'_> {
        match self {
            Key::Int(int) => KeyRef::Int(*int),
            Key::Str(bytes) => KeyRef::Str(bytes.as_slice()),
        }
    }
}

/// A borrowed key, for looking entries up without allocating; hashes exactly like [`Key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum KeyRef<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl<'a> KeyRef<'a> {
    fn new(bytes: &'a [u8]) -> KeyRef<'a> {
        match php::canonical_int(bytes) {
            Some(int) => KeyRef::Int(int),
            None => KeyRef::Str(bytes),
        }
    }
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        *self == key.as_ref_key()
    }
}

impl From<&str> for Key {
    fn from(text: &str) -> Key {
        Key::from_bytes(text.as_bytes())
    }
}

impl From<i64> for Key {
    fn from(int: i64) -> Key {
        Key::Int(int)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(int) => write!(formatter, "{int}"),
            Key::Str(bytes) => write!(formatter, "{}", BStr::new(bytes)),
        }
    }
}

/// A PHP array: insertion-ordered entries, keys unique, with PHP's "next free index" for appends.
#[derive(Clone, Debug, Default)]
pub struct Array {
    entries: IndexMap<Key, Value>,
    next_index: i64,
}

impl PartialEq for Array {
    /// Two arrays are equal when they hold the same entries in the same order.
    fn eq(&self, other: &Array) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(other.entries.iter()).all(|(a, b)| a == b)
    }
}

impl Array {
    /// An empty array.
    pub fn new() -> Array {
        Array::default()
    }

    /// An empty array with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Array {
        Array { entries: IndexMap::with_capacity(capacity), next_index: 0 }
    }

    /// A list (keys `0..n`) of the given values.
    pub fn list(values: impl IntoIterator<Item = Value>) -> Array {
        let mut array = Array::new();
        for value in values {
            array.push(value);
        }
        array
    }

    /// PHP `$a[] = $value`: appends under the next free integer key.
    pub fn push(&mut self, value: Value) {
        let key = self.next_index;
        self.insert(Key::Int(key), value);
    }

    /// PHP `$a[$key] = $value`: replaces the value in place if the key exists, appends otherwise.
    pub fn insert(&mut self, key: Key, value: Value) {
        if let Key::Int(int) = key
            && int >= self.next_index
        {
            self.next_index = int.saturating_add(1);
        }
        self.entries.insert(key, value);
    }

    /// The entry for `key`, inserting `make()` first if it is absent.
    pub fn entry_or_insert_with(&mut self, key: Key, make: impl FnOnce() -> Value) -> &mut Value {
        if !self.entries.contains_key(&key) {
            self.insert(key.clone(), make());
        }
        self.entries.get_mut(&key).expect("the key was inserted just above")
    }

    /// The value under `key`.
    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.entries.get(key)
    }

    /// The value under a string key (normalised as PHP does, so `"3"` finds the key `3`).
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        self.entries.get(&KeyRef::new(key.as_bytes()))
    }

    /// Removes the entry under a string key (normalised as PHP does) and returns it, keeping the
    /// order of the other entries; does not allocate.
    pub fn remove_entry_str(&mut self, key: &str) -> Option<(Key, Value)> {
        self.entries.shift_remove_entry(&KeyRef::new(key.as_bytes()))
    }

    /// Removes `key` and returns its value, keeping the order of the other entries.
    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        self.entries.shift_remove(key)
    }

    /// Whether `key` is present (`array_key_exists`: a `null` value counts as present).
    pub fn contains_key(&self, key: &Key) -> bool {
        self.entries.contains_key(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Key, &Value)> {
        self.entries.iter()
    }

    /// Values in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.entries.values()
    }

    /// Keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Key> {
        self.entries.keys()
    }

    /// Whether the keys are exactly `0, 1, …, n-1` in that order: what `json_encode` writes as a
    /// JSON array (an empty array included) rather than an object.
    pub fn is_list(&self) -> bool {
        self.entries.keys().enumerate().all(|(index, key)| *key == Key::Int(index as i64))
    }
}

impl IntoIterator for Array {
    type Item = (Key, Value);
    type IntoIter = indexmap::map::IntoIter<Key, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(Key, Value)> for Array {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> Array {
        let mut array = Array::new();
        for (key, value) in iter {
            array.insert(key, value);
        }
        array
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_string_keys_are_integer_keys() {
        assert_eq!(Key::from("3"), Key::Int(3));
        assert_eq!(Key::from("-7"), Key::Int(-7));
        for text in ["03", "-0", "+1", "1.0", " 1", "99999999999999999999", ""] {
            assert_eq!(Key::from(text), Key::Str(PhpString::from(text)), "{text:?}");
        }
    }

    #[test]
    fn push_uses_the_next_free_index() {
        let mut array = Array::new();
        array.insert(Key::Int(5), Value::Int(1));
        array.push(Value::Int(2));
        assert_eq!(array.keys().cloned().collect::<Vec<_>>(), [Key::Int(5), Key::Int(6)]);
    }

    #[test]
    fn insert_of_an_existing_key_keeps_its_place() {
        let mut array = Array::new();
        array.insert(Key::from("a"), Value::Int(1));
        array.insert(Key::from("b"), Value::Int(2));
        array.insert(Key::from("a"), Value::Int(3));
        let entries: Vec<_> = array.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        assert_eq!(entries, [("a".to_string(), Value::Int(3)), ("b".to_string(), Value::Int(2))]);
    }

    #[test]
    fn lists_are_keys_zero_to_n_in_order() {
        assert!(Array::new().is_list());
        assert!(Array::list([Value::Int(1), Value::Int(2)]).is_list());
        let reversed: Array =
            [(Key::Int(1), Value::Null), (Key::Int(0), Value::Null)].into_iter().collect();
        assert!(!reversed.is_list());
    }
}
