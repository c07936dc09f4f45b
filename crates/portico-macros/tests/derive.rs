//! `#[derive(Describe)]` on realistic declarations: the exact description, reading validated
//! arguments, writing results, and results surviving `clean_returnvalue`.

use portico_macros::Describe;
use portico_schema::typed::{Describe, FromValue, IntoValue};
use portico_schema::{
    Array, Desc, Key, ParamType, SiteSettings, Value, clean_returnvalue, validate,
};

/// Return site information and details about the calling user.
#[derive(Debug, PartialEq, Describe)]
struct Args {
    /// Short names of services the client asks about.
    #[describe(default)]
    serviceshortnames: Vec<String>,
}

/// Site information and details about the calling user.
#[derive(Debug, PartialEq, Describe)]
struct SiteInfo {
    /// Site name, ready to display.
    #[describe(param = Text)]
    sitename: String,
    /// Id of the calling user.
    userid: i64,
    /// Optional: absent from the result when None.
    #[describe(param = Theme)]
    theme: Option<String>,
    /// The kind of site.
    #[describe(rename = "type", param = Alpha)]
    kind: String,
    /// Functions the token may call.
    functions: Vec<Function>,
    /// Advanced features and their state.
    advancedfeatures: Option<Vec<Feature>>,
}

/// A function the token may call.
#[derive(Debug, PartialEq, Describe)]
struct Function {
    /// Function name.
    #[describe(param = Raw)]
    name: String,
    /// The version number of the component the function belongs to.
    #[describe(param = text)]
    version: String,
}

/// An advanced feature.
#[derive(Debug, PartialEq, Describe)]
struct Feature {
    /// Feature name.
    #[describe(param = alphanumext)]
    name: String,
    /// Feature value, usually 1 (enabled) or 0 (disabled).
    value: i64,
}

/// Parameters exercising every attribute.
#[derive(Debug, PartialEq, Describe)]
struct Everything {
    /// Page number.
    #[describe(default = 0)]
    page: i64,
    /// Sort order.
    #[describe(default = "asc", param = Alpha)]
    sort: String,
    /// Whether to include hidden items.
    #[describe(default = true)]
    hidden: bool,
    /// A value that may be null.
    #[describe(default = portico_schema::Value::Null, allow_null = true)]
    search: Option<String>,
    /// Lines of text, some missing.
    #[describe(param = RawTrimmed)]
    lines: Vec<Option<String>>,
    /// Matrix of tags.
    #[describe(param = Tag, desc = "Tags, row by row.")]
    tags: Vec<Vec<String>>,
    /// An id that may be left out.
    #[describe(optional)]
    groupid: MaybeId,
    /// A value that must not be null.
    #[describe(allow_null = false)]
    r#type: String,
    /// Where to show it.
    display: Display,
    /// Optional nested structure.
    feature: Option<Feature>,
}

/// An alias hides `Option` from the derive, so its fields say `#[describe(optional)]`.
type MaybeId = Option<i64>;

/// How a block is displayed.
#[derive(Debug, PartialEq, Default, Describe)]
enum Display {
    #[default]
    Inline,
    Popup,
    #[describe(rename = "newwindow")]
    NewWindow,
}

/// A format code.
#[derive(Debug, PartialEq, Describe)]
#[describe(param = AlphaNumExt, desc = "Text format.")]
enum Format {
    #[describe(rename = "html_5")]
    Html5,
    Plain,
}

/// A page of results.
#[derive(Debug, PartialEq, Describe)]
struct Page<T> {
    /// The items.
    items: Vec<T>,
    /// Total number of items.
    total: i64,
}

/// No parameters.
#[derive(Debug, PartialEq, Describe)]
struct NoArgs {}

#[derive(Debug, PartialEq, Describe)]
struct Unit;

fn site() -> SiteSettings {
    SiteSettings::default()
}

fn array<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Array(entries.into_iter().map(|(key, value)| (Key::from(key), value)).collect())
}

fn list<const N: usize>(values: [Value; N]) -> Value {
    Value::Array(Array::list(values))
}

fn site_info() -> SiteInfo {
    SiteInfo {
        sitename: "Portico".to_string(),
        userid: 2,
        theme: None,
        kind: "moodle".to_string(),
        functions: vec![Function {
            name: "core_webservice_get_site_info".to_string(),
            version: "2024100700".to_string(),
        }],
        advancedfeatures: Some(vec![Feature { name: "usecomments".to_string(), value: 1 }]),
    }
}

#[test]
fn site_info_describes_like_moodle() {
    let function = Desc::single(
        [
            ("name", Desc::value(ParamType::Raw, "Function name.")),
            (
                "version",
                Desc::value(
                    ParamType::Text,
                    "The version number of the component the function belongs to.",
                ),
            ),
        ],
        "A function the token may call.",
    );
    let feature = Desc::single(
        [
            ("name", Desc::value(ParamType::AlphaNumExt, "Feature name.")),
            (
                "value",
                Desc::value(ParamType::Int, "Feature value, usually 1 (enabled) or 0 (disabled)."),
            ),
        ],
        "An advanced feature.",
    );
    let expected = Desc::single(
        [
            ("sitename", Desc::value(ParamType::Text, "Site name, ready to display.")),
            ("userid", Desc::value(ParamType::Int, "Id of the calling user.")),
            (
                "theme",
                Desc::value(ParamType::Theme, "Optional: absent from the result when None.")
                    .optional(),
            ),
            ("type", Desc::value(ParamType::Alpha, "The kind of site.")),
            ("functions", Desc::multiple(function, "Functions the token may call.")),
            (
                "advancedfeatures",
                Desc::multiple(feature, "Advanced features and their state.").optional(),
            ),
        ],
        "Site information and details about the calling user.",
    );
    assert_eq!(SiteInfo::describe(), expected);
}

#[test]
fn every_attribute_changes_the_description() {
    let feature = Desc::single(
        [
            ("name", Desc::value(ParamType::AlphaNumExt, "Feature name.")),
            (
                "value",
                Desc::value(ParamType::Int, "Feature value, usually 1 (enabled) or 0 (disabled)."),
            ),
        ],
        "Optional nested structure.",
    );
    let expected = Desc::single(
        [
            ("page", Desc::value(ParamType::Int, "Page number.").with_default(0)),
            ("sort", Desc::value(ParamType::Alpha, "Sort order.").with_default("asc")),
            (
                "hidden",
                Desc::value(ParamType::Bool, "Whether to include hidden items.").with_default(true),
            ),
            (
                "search",
                Desc::value(ParamType::Raw, "A value that may be null.")
                    .with_default(Value::Null)
                    .allow_null(true),
            ),
            (
                "lines",
                Desc::multiple(
                    Desc::value(ParamType::RawTrimmed, ""),
                    "Lines of text, some missing.",
                ),
            ),
            (
                "tags",
                Desc::multiple(
                    Desc::multiple(Desc::value(ParamType::Tag, ""), ""),
                    "Tags, row by row.",
                ),
            ),
            ("groupid", Desc::value(ParamType::Int, "An id that may be left out.").optional()),
            (
                "type",
                Desc::value(ParamType::Raw, "A value that must not be null.").allow_null(false),
            ),
            ("display", Desc::value(ParamType::Alpha, "Where to show it.")),
            ("feature", feature.optional()),
        ],
        "Parameters exercising every attribute.",
    );
    assert_eq!(Everything::describe(), expected);
}

#[test]
fn a_defaulted_list_defaults_to_the_empty_list() {
    let expected = Desc::single(
        [(
            "serviceshortnames",
            Desc::multiple(
                Desc::value(ParamType::Raw, ""),
                "Short names of services the client asks about.",
            )
            .with_default(list([])),
        )],
        "Return site information and details about the calling user.",
    );
    assert_eq!(Args::describe(), expected);
    let validated = validate(&Args::describe(), array([]), &site()).unwrap();
    assert_eq!(Args::from_value(validated), Ok(Args { serviceshortnames: vec![] }));
}

#[test]
fn validated_arguments_read_into_the_struct() {
    let input = array([
        ("sort", Value::str("desc")),
        ("lines", list([Value::str("a b"), Value::Null])),
        ("tags", list([list([Value::str("x"), Value::str("y")])])),
        ("type", Value::Int(7)),
        ("display", Value::str("newwindow")),
        ("feature", array([("name", Value::str("usetags")), ("value", Value::str("0"))])),
    ]);
    let validated = validate(&Everything::describe(), input, &site()).unwrap();
    let expected = Everything {
        page: 0,
        sort: "desc".to_string(),
        hidden: true,
        search: None,
        lines: vec![Some("a b".to_string()), None],
        tags: vec![vec!["x".to_string(), "y".to_string()]],
        groupid: None,
        r#type: "7".to_string(),
        display: Display::NewWindow,
        feature: Some(Feature { name: "usetags".to_string(), value: 0 }),
    };
    assert_eq!(Everything::from_value(validated), Ok(expected));
}

#[test]
fn an_unknown_enum_string_is_an_invalid_parameter() {
    let input = array([
        ("lines", list([])),
        ("tags", list([])),
        ("type", Value::str("x")),
        ("display", Value::str("sidebar")),
    ]);
    let validated = validate(&Everything::describe(), input, &site()).unwrap();
    let error = Everything::from_value(validated).unwrap_err();
    assert_eq!(
        (error.class, error.debuginfo.unwrap()),
        (
            "invalid_parameter_exception",
            r#"Invalid external api parameter: the value is "sidebar", the server was expecting one of "inline", "popup", "newwindow""#.into()
        )
    );
}

#[test]
fn enums_are_string_values() {
    assert_eq!(Display::describe(), Desc::value(ParamType::Alpha, "How a block is displayed."));
    assert_eq!(Format::describe(), Desc::value(ParamType::AlphaNumExt, "Text format."));
    assert_eq!(Format::from_value(Value::str("html_5")), Ok(Format::Html5));
    assert_eq!(Format::Plain.into_value(), Value::str("plain"));
    assert_eq!(Display::NewWindow.into_value(), Value::str("newwindow"));
    assert_eq!(Display::default().into_value(), Value::str("inline"));
}

#[test]
fn results_leave_out_none_and_keep_declaration_order() {
    let expected = array([
        ("sitename", Value::str("Portico")),
        ("userid", Value::Int(2)),
        ("type", Value::str("moodle")),
        (
            "functions",
            list([array([
                ("name", Value::str("core_webservice_get_site_info")),
                ("version", Value::str("2024100700")),
            ])]),
        ),
        (
            "advancedfeatures",
            list([array([("name", Value::str("usecomments")), ("value", Value::Int(1))])]),
        ),
    ]);
    assert_eq!(site_info().into_value(), expected);
}

#[test]
fn results_survive_clean_returnvalue() {
    let cleaned = clean_returnvalue(&SiteInfo::describe(), site_info().into_value(), &site());
    assert_eq!(SiteInfo::from_value(cleaned.unwrap()), Ok(site_info()));

    let with_theme =
        SiteInfo { theme: Some("boost".to_string()), advancedfeatures: None, ..site_info() };
    let value = with_theme.into_value();
    assert_eq!(value.as_array().unwrap().get_str("theme"), Some(&Value::str("boost")));
    assert_eq!(value.as_array().unwrap().get_str("advancedfeatures"), None);
    let cleaned = clean_returnvalue(&SiteInfo::describe(), value, &site()).unwrap();
    let with_theme =
        SiteInfo { theme: Some("boost".to_string()), advancedfeatures: None, ..site_info() };
    assert_eq!(SiteInfo::from_value(cleaned), Ok(with_theme));
}

#[test]
fn clean_returnvalue_rejects_what_the_description_forbids() {
    let bad = SiteInfo { kind: "moodle 4".to_string(), ..site_info() };
    let error = clean_returnvalue(&SiteInfo::describe(), bad.into_value(), &site()).unwrap_err();
    assert_eq!(error.errorcode, "invalidresponse");
}

#[test]
fn type_parameters_describe_through() {
    let expected = Desc::single(
        [
            ("items", Desc::multiple(Feature::describe(), "The items.")),
            ("total", Desc::value(ParamType::Int, "Total number of items.")),
        ],
        "A page of results.",
    );
    assert_eq!(Page::<Feature>::describe(), expected);
    let page = Page { items: vec![Feature { name: "x".to_string(), value: 1 }], total: 1 };
    let cleaned = clean_returnvalue(&expected, page.into_value(), &site()).unwrap();
    assert_eq!(
        Page::<Feature>::from_value(cleaned),
        Ok(Page { items: vec![Feature { name: "x".to_string(), value: 1 }], total: 1 })
    );
}

#[test]
fn structs_without_fields_are_empty_structures() {
    assert_eq!(NoArgs::describe(), Desc::single(Vec::<(&str, Desc)>::new(), "No parameters."));
    assert_eq!(Unit::describe(), Desc::single(Vec::<(&str, Desc)>::new(), ""));
    assert_eq!(NoArgs::from_value(array([])), Ok(NoArgs {}));
    assert_eq!(Unit::from_value(Value::Null), Ok(Unit));
    assert_eq!(NoArgs {}.into_value(), array([]));
    assert_eq!(Unit.into_value(), array([]));
}

#[test]
fn a_structure_where_a_list_was_declared_is_a_coding_error() {
    let error = Feature::from_value(Value::Int(3)).unwrap_err();
    assert_eq!(error.class, "coding_exception");
    assert!(
        error.message.ends_with("Feature expects a structure, the validated value is a integer")
    );
}
