//! The REST server's XML success document (spec 01 §3.6), byte for byte, and the text escaping
//! every REST XML document shares.
//!
//! Moodle assembles this XML as text while walking the **return description**, not the value:
//! every key of a single structure is written, in description order, whether or not the cleaned
//! value has it, so the shape of a document depends only on the function. This module does the
//! same walk. It never fails: what PHP would print for an odd value is printed.

use portico_schema::php;
use portico_schema::{Desc, DescKind, Key, Value};

/// The XML declaration line that starts every REST XML document.
pub(crate) const DECLARATION: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n";

/// The XML success document for a cleaned return `value` of description `returns`.
///
/// `None` (a function without return description) gives an empty `<RESPONSE>`, whatever the
/// value. Values are written as PHP's `(string)`: booleans `1`/`0`, floats with 14 significant
/// digits; a key absent from the value, or `null`, is written null (`<VALUE null="null"/>`), an
/// empty `<MULTIPLE>`, or a `<SINGLE>` of such, following its description.
pub fn rest_response(returns: Option<&Desc>, value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(DECLARATION);
    out.extend_from_slice(b"<RESPONSE>\n");
    if let Some(desc) = returns {
        write_node(desc, Some(value), &mut out);
    }
    out.extend_from_slice(b"</RESPONSE>\n");
    out
}

/// One node; `None` and `Some(Value::Null)` are alike, as PHP's `isset` makes them.
fn write_node(desc: &Desc, value: Option<&Value>, out: &mut Vec<u8>) {
    let value = value.filter(|value| !value.is_null());
    match &desc.kind {
        DescKind::Value(_) => match value {
            None => out.extend_from_slice(b"<VALUE null=\"null\"/>\n"),
            Some(value) => {
                out.extend_from_slice(b"<VALUE>");
                match value {
                    Value::Bool(boolean) => out.push(if *boolean { b'1' } else { b'0' }),
                    Value::Float(float) => {
                        out.extend_from_slice(php::float_to_string(*float).as_bytes())
                    }
                    Value::Str(bytes) => escape_text(bytes, out),
                    Value::Int(_) => out.extend_from_slice(&value.to_php_string()),
                    // Cleaning rejects arrays at value nodes, so this is unreachable for a
                    // cleaned value; PHP 8 would fail here, and an empty element is the
                    // harmless equivalent.
                    Value::Null | Value::Array(_) => {}
                }
                out.extend_from_slice(b"</VALUE>\n");
            }
        },
        DescKind::Multiple(content) => {
            out.extend_from_slice(b"<MULTIPLE>\n");
            if let Some(Value::Array(array)) = value {
                for element in array.values() {
                    write_node(content, Some(element), out);
                }
            }
            out.extend_from_slice(b"</MULTIPLE>\n");
        }
        DescKind::Single(fields) => {
            out.extend_from_slice(b"<SINGLE>\n");
            let array = value.and_then(Value::as_array);
            for field in fields {
                out.extend_from_slice(b"<KEY name=\"");
                // Moodle does not escape key names; they are PHP identifiers in practice.
                out.extend_from_slice(field.name.as_bytes());
                out.extend_from_slice(b"\">");
                let child = array.and_then(|array| array.get(&Key::from(field.name.as_ref())));
                write_node(&field.desc, child, out);
                out.extend_from_slice(b"</KEY>\n");
            }
            out.extend_from_slice(b"</SINGLE>\n");
        }
    }
}

/// PHP's `htmlspecialchars($text, ENT_COMPAT, 'UTF-8')`: `&`, `<`, `>` and `"` become entities,
/// `'` and everything else (non-ASCII included) stay as they are, and text that is not valid
/// UTF-8 becomes empty.
pub fn escape_text(bytes: &[u8], out: &mut Vec<u8>) {
    if std::str::from_utf8(bytes).is_err() {
        return;
    }
    let mut run_start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let entity: &[u8] = match byte {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run_start..index]);
        out.extend_from_slice(entity);
        run_start = index + 1;
    }
    out.extend_from_slice(&bytes[run_start..]);
}

#[cfg(test)]
mod tests {
    use portico_schema::{Array, ParamType, PhpString};

    use super::*;

    fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
        Value::Array(entries.into_iter().map(|(key, value)| (Key::from(key), value)).collect())
    }

    fn list<const N: usize>(values: [Value; N]) -> Value {
        Value::Array(Array::list(values))
    }

    fn int() -> Desc {
        Desc::value(ParamType::Int, "")
    }

    fn text() -> Desc {
        Desc::value(ParamType::Text, "")
    }

    /// Writes `value` under `returns` and compares the whole document with Moodle's bytes; the
    /// expected text is the part between `<RESPONSE>\n` and `</RESPONSE>\n`.
    fn check(returns: Option<&Desc>, value: Value, expected_body: &str) {
        let document = rest_response(returns, &value);
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n{expected_body}</RESPONSE>\n"
        );
        assert_eq!(String::from_utf8_lossy(&document), expected, "{value:?}");
    }

    #[test]
    fn example_document_spec_01_section_3_6() {
        let returns = Desc::single(
            [
                ("one", int()),
                ("two", Desc::multiple(int(), "")),
                ("three", Desc::single([("firstname", text()), ("lastname", text())], "")),
            ],
            "",
        );
        let expected = "<SINGLE>\n\
            <KEY name=\"one\"><VALUE>1</VALUE>\n</KEY>\n\
            <KEY name=\"two\"><MULTIPLE>\n<VALUE>2</VALUE>\n<VALUE>3</VALUE>\n</MULTIPLE>\n</KEY>\n\
            <KEY name=\"three\"><SINGLE>\n\
            <KEY name=\"firstname\"><VALUE>Neil</VALUE>\n</KEY>\n\
            <KEY name=\"lastname\"><VALUE null=\"null\"/>\n</KEY>\n\
            </SINGLE>\n</KEY>\n\
            </SINGLE>\n";
        let value = |lastname: Option<Value>| {
            let mut three = Array::new();
            three.insert(Key::from("firstname"), Value::from("Neil"));
            if let Some(lastname) = lastname {
                three.insert(Key::from("lastname"), lastname);
            }
            map([
                ("one", Value::Int(1)),
                ("two", list([Value::Int(2), Value::Int(3)])),
                ("three", Value::Array(three)),
            ])
        };
        check(Some(&returns), value(None), expected);
        check(Some(&returns), value(Some(Value::Null)), expected);
    }

    #[test]
    fn no_return_description_spec_01_section_3_6() {
        check(None, Value::from("ignored"), "");
        check(None, Value::Null, "");
    }

    #[test]
    fn scalars_are_php_strings_spec_01_section_3_6() {
        let bool_desc = Desc::value(ParamType::Bool, "");
        let float = Desc::value(ParamType::Float, "");
        check(Some(&bool_desc), Value::Bool(true), "<VALUE>1</VALUE>\n");
        check(Some(&bool_desc), Value::Bool(false), "<VALUE>0</VALUE>\n");
        check(Some(&float), Value::Float(0.1 + 0.2), "<VALUE>0.3</VALUE>\n");
        check(Some(&float), Value::Float(5.0), "<VALUE>5</VALUE>\n");
        check(Some(&float), Value::Float(0.0), "<VALUE>0</VALUE>\n");
        check(Some(&float), Value::Float(1.5), "<VALUE>1.5</VALUE>\n");
        check(Some(&int()), Value::Int(-7), "<VALUE>-7</VALUE>\n");
        check(Some(&int()), Value::Null, "<VALUE null=\"null\"/>\n");
        check(Some(&text()), Value::from(""), "<VALUE></VALUE>\n");
        check(
            Some(&text()),
            Value::from("<a href=\"x\">Tom & 'Jerry'</a> é/€"),
            "<VALUE>&lt;a href=&quot;x&quot;&gt;Tom &amp; 'Jerry'&lt;/a&gt; é/€</VALUE>\n",
        );
        check(Some(&text()), Value::Str(PhpString::from(&b"ok\xff"[..])), "<VALUE></VALUE>\n");
    }

    #[test]
    fn absent_keys_follow_the_description_spec_01_section_3_6() {
        let returns = Desc::single(
            [
                ("id", int()),
                ("tags", Desc::multiple(text(), "").optional()),
                ("owner", Desc::single([("name", text()), ("ids", Desc::multiple(int(), ""))], "")),
            ],
            "",
        );
        let absent = "<SINGLE>\n\
            <KEY name=\"id\"><VALUE null=\"null\"/>\n</KEY>\n\
            <KEY name=\"tags\"><MULTIPLE>\n</MULTIPLE>\n</KEY>\n\
            <KEY name=\"owner\"><SINGLE>\n\
            <KEY name=\"name\"><VALUE null=\"null\"/>\n</KEY>\n\
            <KEY name=\"ids\"><MULTIPLE>\n</MULTIPLE>\n</KEY>\n\
            </SINGLE>\n</KEY>\n\
            </SINGLE>\n";
        check(Some(&returns), map([]), absent);
        check(Some(&returns), map([("extra", Value::Int(1))]), absent);
        let list_desc = Desc::multiple(int(), "");
        check(Some(&list_desc), list([]), "<MULTIPLE>\n</MULTIPLE>\n");
        check(
            Some(&list_desc),
            list([Value::Int(1), Value::Null]),
            "<MULTIPLE>\n<VALUE>1</VALUE>\n<VALUE null=\"null\"/>\n</MULTIPLE>\n",
        );
        // Keys are looked up as PHP does: the description's "5" finds the integer key 5.
        let numeric = Desc::single([("5", int())], "");
        let mut array = Array::new();
        array.insert(Key::Int(5), Value::Int(9));
        check(
            Some(&numeric),
            Value::Array(array),
            "<SINGLE>\n<KEY name=\"5\"><VALUE>9</VALUE>\n</KEY>\n</SINGLE>\n",
        );
    }
}
