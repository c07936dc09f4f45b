//! Documentation derived from descriptions: the three texts Moodle's API documentation shows
//! for every argument and result (spec 03 §11).
//!
//! - [`general_structure`]: `object { … }` / `list of ( … )` with each value's documentation
//!   type (`int` for int and bool, `double` for float, `string` for the rest), its requirement
//!   (`Optional`, `Default to "…"`) and its text after `//`;
//! - [`rest_post_format`]: the bracket names a REST client sends, one per line
//!   (`users[0][username]= string`);
//! - [`rest_xml_format`]: the indented `RESPONSE` document a REST XML client receives.
//!
//! They are plain text; the admin UI and the OpenAPI generator present them. Because they are
//! computed from the same [`Desc`] that validates calls, documentation cannot drift from behaviour.

use std::fmt::Write;

use crate::desc::{Desc, DescKind, Required};
use crate::param::ParamType;
use crate::value::Value;

/// The documentation type of a value node: `int`, `double` or `string`.
pub fn doc_type(param: ParamType) -> &'static str {
    match param {
        ParamType::Int | ParamType::Bool => "int",
        ParamType::Float => "double",
        _ => "string",
    }
}

/// How a node's requirement reads: empty, `Optional` or `Default to "<default>"`.
pub fn requirement(desc: &Desc) -> String {
    match &desc.required {
        Required::Required => String::new(),
        Required::Optional => "Optional".to_string(),
        Required::Default(Value::Null) => "Default to \"null\"".to_string(),
        Required::Default(default) => format!("Default to \"{}\"", print_r(default)),
    }
}

/// The general structure of a description, one line per key or value.
pub fn general_structure(desc: &Desc) -> String {
    let mut out = String::new();
    write_general(desc, &mut out);
    out
}

fn write_general(desc: &Desc, out: &mut String) {
    let annotation = |out: &mut String| {
        if !desc.desc.is_empty() {
            let _ = writeln!(out, " {} //{}", requirement(desc), desc.desc);
        }
    };
    match &desc.kind {
        DescKind::Value(param) => {
            out.push_str(doc_type(*param));
            out.push(' ');
            annotation(out);
            if desc.desc.is_empty() {
                out.push('\n');
            }
        }
        DescKind::Multiple(content) => {
            annotation(out);
            out.push_str("list of ( \n");
            write_general(content, out);
            out.push_str(")\n");
        }
        DescKind::Single(fields) => {
            annotation(out);
            out.push_str("object {\n");
            for field in fields {
                out.push_str(&field.name);
                out.push(' ');
                write_general(&field.desc, out);
            }
            out.push_str("} \n");
        }
    }
}

/// The REST (POST) parameter lines for an argument named `name`.
pub fn rest_post_format(desc: &Desc, name: &str) -> String {
    let mut out = String::new();
    write_post(desc, name, &mut out);
    out
}

fn write_post(desc: &Desc, name: &str, out: &mut String) {
    match &desc.kind {
        DescKind::Value(param) => {
            let _ = writeln!(out, "{name}= {}", doc_type(*param));
        }
        DescKind::Multiple(content) => write_post(content, &format!("{name}[0]"), out),
        DescKind::Single(fields) => {
            for field in fields {
                write_post(&field.desc, &format!("{name}[{}]", field.name), out);
            }
        }
    }
}

/// The REST XML response document for a return description, indented for reading.
pub fn rest_xml_format(returns: &Desc) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n");
    write_xml(returns, "    ", &mut out);
    out.push_str("</RESPONSE>\n");
    out
}

fn write_xml(desc: &Desc, indent: &str, out: &mut String) {
    match &desc.kind {
        DescKind::Value(param) => {
            let _ = writeln!(out, "{indent}<VALUE>{}</VALUE>", doc_type(*param));
        }
        DescKind::Multiple(content) => {
            let _ = writeln!(out, "{indent}<MULTIPLE>");
            write_xml(content, &format!("{indent}    "), out);
            let _ = writeln!(out, "{indent}</MULTIPLE>");
        }
        DescKind::Single(fields) => {
            let _ = writeln!(out, "{indent}<SINGLE>");
            let key_indent = format!("{indent}    ");
            for field in fields {
                let _ = writeln!(out, "{key_indent}<KEY name=\"{}\">", field.name);
                write_xml(&field.desc, &format!("{key_indent}    "), out);
                let _ = writeln!(out, "{key_indent}</KEY>");
            }
            let _ = writeln!(out, "{indent}</SINGLE>");
        }
    }
}

/// PHP's `print_r` of a default value: scalars print as strings, arrays as `Array`-blocks.
fn print_r(value: &Value) -> String {
    match value {
        Value::Array(array) => {
            let mut out = String::from("Array\n(\n");
            for (key, element) in array.iter() {
                let _ = writeln!(out, "    [{key}] => {}", print_r(element));
            }
            out.push_str(")\n");
            out
        }
        scalar => scalar.to_php_string().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Array;

    fn create_groups() -> Desc {
        Desc::multiple(
            Desc::single(
                [
                    ("courseid", Desc::value(ParamType::Int, "id of course")),
                    (
                        "name",
                        Desc::value(ParamType::Text, "multilang compatible name, course unique"),
                    ),
                    ("visible", Desc::value(ParamType::Bool, "visible").optional()),
                    ("score", Desc::value(ParamType::Float, "").with_default(Value::Float(0.5))),
                ],
                "group",
            ),
            "List of group object",
        )
    }

    #[test]
    fn general_structure_lists_types_requirements_and_texts() {
        assert_eq!(
            general_structure(&create_groups()),
            "  //List of group object\nlist of ( \n  //group\nobject {\ncourseid int   //id of course\n\
             name string   //multilang compatible name, course unique\nvisible int  Optional //visible\n\
             score double \n} \n)\n"
        );
    }

    #[test]
    fn rest_post_format_gives_bracket_names() {
        assert_eq!(
            rest_post_format(&create_groups(), "groups"),
            "groups[0][courseid]= int\ngroups[0][name]= string\ngroups[0][visible]= int\ngroups[0][score]= double\n"
        );
    }

    #[test]
    fn rest_xml_format_indents_the_response() {
        let returns =
            Desc::single([("ids", Desc::multiple(Desc::value(ParamType::Int, ""), ""))], "");
        assert_eq!(
            rest_xml_format(&returns),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n    <SINGLE>\n        <KEY name=\"ids\">\n\
             \x20           <MULTIPLE>\n                <VALUE>int</VALUE>\n            </MULTIPLE>\n        </KEY>\n\
             \x20   </SINGLE>\n</RESPONSE>\n"
        );
    }

    #[test]
    fn defaults_print_as_php_does() {
        let desc = Desc::multiple(Desc::value(ParamType::Int, ""), "ids")
            .with_default(Value::Array(Array::new()));
        assert_eq!(requirement(&desc), "Default to \"Array\n(\n)\n\"");
        assert_eq!(
            requirement(&Desc::value(ParamType::Raw, "").with_default(Value::Null)),
            "Default to \"null\""
        );
        assert_eq!(
            requirement(&Desc::value(ParamType::Bool, "").with_default(Value::Bool(false))),
            "Default to \"\""
        );
    }
}
