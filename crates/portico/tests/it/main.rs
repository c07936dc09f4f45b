//! Integration tests: a real server on `127.0.0.1:0`, spoken to over HTTP, on SQLite and
//! PostgreSQL (`backend_test!`). One module per endpoint; the functions they call are declared
//! here, with hand-built descriptions that exercise every validation rule.

mod ajax;
mod limits;
mod login;
mod rest;

use std::borrow::Cow;
use std::sync::Arc;

use portico_engine::{
    BoxFuture, CallContext, CallError, CallKind, Function, FunctionInfo, Registry,
};
use portico_schema::{Array, Desc, Key, ParamType, Parameters, Valid, Value};
use portico_store::Store;
use portico_testkit::TestServer;

/// What a test function does with its validated arguments.
#[derive(Clone, Copy)]
enum Body {
    /// Returns the item described by its arguments.
    Item,
    /// Returns the caller's user id.
    WhoAmI,
    /// Returns a value that does not match its return description.
    BadResponse,
}

/// A test function with a hand-built declaration.
struct TestFunction {
    info: FunctionInfo,
    body: Body,
}

fn info(name: &'static str, parameters: Parameters, returns: Option<Desc>) -> FunctionInfo {
    FunctionInfo {
        name: Cow::Borrowed(name),
        component: Cow::Borrowed("local_test"),
        description: Cow::Borrowed("A test function."),
        kind: CallKind::Read,
        ajax: true,
        capabilities: vec![],
        services: vec![Cow::Borrowed("moodle_mobile_app")],
        login_required: true,
        readonly_session: false,
        deprecated: false,
        parameters,
        returns,
    }
}

/// `local_test_get_item`'s parameters: a required int, a defaulted text, a structure with a
/// required bool and a list, a list of ints, and a value that may not be null.
fn item_parameters() -> Parameters {
    Parameters::new([
        ("itemid", Desc::value(ParamType::Int, "item id")),
        ("name", Desc::value(ParamType::Text, "name").with_default("")),
        (
            "options",
            Desc::single(
                [
                    ("visible", Desc::value(ParamType::Bool, "visible")),
                    (
                        "tags",
                        Desc::multiple(Desc::value(ParamType::Text, "tag"), "tags")
                            .with_default(Value::Array(Array::new())),
                    ),
                ],
                "options",
            )
            .with_default(Value::Array(
                [(Key::from("visible"), Value::Bool(false))].into_iter().collect(),
            )),
        ),
        (
            "ids",
            Desc::multiple(Desc::value(ParamType::Int, "id"), "ids")
                .with_default(Value::Array(Array::new())),
        ),
        ("strict", Desc::value(ParamType::Int, "not null").with_default(0).allow_null(false)),
    ])
}

fn item_returns() -> Desc {
    Desc::single(
        [
            ("id", Desc::value(ParamType::Int, "id")),
            ("name", Desc::value(ParamType::Text, "name")),
            ("visible", Desc::value(ParamType::Bool, "visible")),
            ("tags", Desc::multiple(Desc::value(ParamType::Text, "tag"), "tags")),
            ("ratio", Desc::value(ParamType::Float, "ratio")),
        ],
        "item",
    )
}

impl Function for TestFunction {
    fn info(&self) -> &FunctionInfo {
        &self.info
    }

    fn call<'a>(
        &'a self,
        context: &'a CallContext,
        args: Valid<Value>,
    ) -> BoxFuture<'a, Result<Value, CallError>> {
        Box::pin(async move {
            let args = args.into_inner();
            let empty = Array::new();
            let args = args.as_array().unwrap_or(&empty);
            let result: Array = match self.body {
                Body::Item => {
                    let options = args.get_str("options").and_then(Value::as_array);
                    let visible = options
                        .and_then(|options| options.get_str("visible"))
                        .cloned()
                        .unwrap_or(Value::Bool(false));
                    let tags = options
                        .and_then(|options| options.get_str("tags"))
                        .cloned()
                        .unwrap_or(Value::Array(Array::new()));
                    [
                        ("id", args.get_str("itemid").cloned().unwrap_or(Value::Null)),
                        ("name", args.get_str("name").cloned().unwrap_or(Value::Null)),
                        ("visible", visible),
                        ("tags", tags),
                        ("ratio", Value::Float(5.0)),
                    ]
                    .into_iter()
                    .map(|(key, value)| (Key::from(key), value))
                    .collect()
                }
                Body::WhoAmI => {
                    [(Key::from("userid"), Value::Int(context.user_id()))].into_iter().collect()
                }
                Body::BadResponse => {
                    [(Key::from("id"), Value::from("not a number"))].into_iter().collect()
                }
            };
            Ok(Value::Array(result))
        })
    }
}

/// The functions of the test site.
fn registry() -> Registry {
    let mut registry = Registry::new();
    let mut get_item = info("local_test_get_item", item_parameters(), Some(item_returns()));
    get_item.login_required = false;
    let whoami = info(
        "local_test_whoami",
        Parameters::new::<&str>([]),
        Some(Desc::single([("userid", Desc::value(ParamType::Int, "user id"))], "who")),
    );
    let mut not_ajax = info("local_test_not_ajax", Parameters::new::<&str>([]), None);
    not_ajax.ajax = false;
    let mut outside = info(
        "local_test_outside_service",
        Parameters::new::<&str>([]),
        Some(Desc::single([("userid", Desc::value(ParamType::Int, "user id"))], "who")),
    );
    outside.services = vec![];
    let bad = info(
        "local_test_bad_response",
        Parameters::new::<&str>([]),
        Some(Desc::single([("id", Desc::value(ParamType::Int, "id"))], "bad")),
    );
    for (info, body) in [
        (get_item, Body::Item),
        (whoami, Body::WhoAmI),
        (not_ajax, Body::WhoAmI),
        (outside, Body::WhoAmI),
        (bad, Body::BadResponse),
    ] {
        registry
            .try_add_dyn(Arc::new(TestFunction { info, body }))
            .expect("a valid test declaration");
    }
    registry
}

/// A test site serving the test functions.
async fn site(store: Store) -> TestServer {
    TestServer::start(store, registry()).await
}

/// A response's status, headers in order (lower-case names) and body.
async fn parts(response: reqwest::Response) -> (u16, Vec<(String, String)>, String) {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or("?").to_owned()))
        .collect();
    let body = response.text().await.expect("a readable body");
    (status, headers, body)
}

/// The headers Moodle sends, without those the HTTP stack adds (`content-length`, `date`).
fn moodle_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers.iter().filter(|(name, _)| name != "content-length" && name != "date").cloned().collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}
