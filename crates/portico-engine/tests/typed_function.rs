//! A function declared once, with derived descriptions, runs through the pipeline.

use std::sync::Arc;

use portico_engine::{
    CallContext, CallError, CallKind, CallSettings, ExternalFunction, Registry, invoke,
};
use portico_macros::Describe;
use portico_schema::{
    Array, DescKind, Exception, Key, ParamType, Required, SiteSettings, Valid, Value,
};

/// Return the calling user's greeting.
struct Greet;

/// Arguments of `local_test_greet`.
#[derive(Debug, Describe)]
struct Args {
    /// Who to greet.
    #[describe(param = Text)]
    name: String,
    /// How many exclamation marks.
    #[describe(default = 1)]
    emphasis: i64,
    /// Extra words.
    #[describe(default, param = AlphaNum)]
    words: Vec<String>,
}

/// A greeting.
#[derive(Debug, Describe)]
struct Greeting {
    /// The text.
    #[describe(param = Text)]
    text: String,
    /// Who asked.
    userid: i64,
    /// Only present for long greetings.
    long: Option<bool>,
}

impl ExternalFunction for Greet {
    const NAME: &'static str = "local_test_greet";
    const COMPONENT: &'static str = "local_test";
    const DESCRIPTION: &'static str = "Return the calling user's greeting.";
    const KIND: CallKind = CallKind::Read;
    type Args = Args;
    type Returns = Greeting;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Greeting, CallError> {
        let args = args.into_inner();
        if args.name == "nobody" {
            return Err(Exception::moodle("invaliduser", "error", "Invalid user").into());
        }
        let mut text = format!(
            "Hello {}{}",
            args.name,
            "!".repeat(usize::try_from(args.emphasis).unwrap_or(0))
        );
        for word in &args.words {
            text.push(' ');
            text.push_str(word);
        }
        let long = (text.len() > 20).then_some(true);
        Ok(Greeting { text, userid: context.user_id(), long })
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

fn call(args: Value) -> Result<Value, CallError> {
    let mut registry = Registry::new();
    registry.add::<Greet>();
    let function = registry.get("local_test_greet").expect("registered");
    let context = CallContext::new(Arc::new(SiteSettings::default()), 7, CallSettings::default());
    block_on(invoke(function.as_ref(), &context, args))
}

fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Array(entries.into_iter().map(|(key, value)| (Key::from(key), value)).collect())
}

#[test]
fn the_declaration_is_the_description() {
    let mut registry = Registry::new();
    registry.add::<Greet>();
    let info = registry.get("local_test_greet").expect("registered").info();
    assert_eq!(info.description, "Return the calling user's greeting.");
    let fields = info.parameters.desc().fields();
    let names: Vec<_> = fields.iter().map(|field| field.name.as_ref()).collect();
    assert_eq!(names, ["name", "emphasis", "words"]);
    assert_eq!(fields[0].desc.kind, DescKind::Value(ParamType::Text));
    assert_eq!(fields[0].desc.desc, "Who to greet.");
    assert_eq!(fields[1].desc.required, Required::Default(Value::Int(1)));
    assert_eq!(fields[2].desc.required, Required::Default(Value::Array(Array::new())));
    let returns = info.returns.as_ref().expect("described");
    assert_eq!(returns.fields()[2].desc.required, Required::Optional);
}

#[test]
fn typed_arguments_reach_the_body_and_results_are_cleaned() {
    let result = call(map([("name", "Anne".into())])).expect("a valid call");
    assert_eq!(result, map([("text", "Hello Anne!".into()), ("userid", Value::Int(7))]));
    let words = Value::Array(Array::list(["and".into(), "welcome".into()]));
    let result =
        call(map([("name", "Bob".into()), ("emphasis", "2".into()), ("words", words)])).unwrap();
    assert_eq!(
        result,
        map([
            ("text", "Hello Bob!! and welcome".into()),
            ("userid", Value::Int(7)),
            ("long", Value::Bool(true))
        ])
    );
}

#[test]
fn invalid_arguments_never_reach_the_body() {
    let error = call(map([("name", "<b>x</b>".into())])).unwrap_err().to_exception();
    assert_eq!(error.errorcode, "invalidparameter");
    assert_eq!(
        error.debuginfo.unwrap(),
        "name => Invalid parameter value detected: Invalid external api parameter: the value is \"<b>x</b>\", \
         the server was expecting \"text\" type"
    );
}

#[test]
fn the_body_s_own_errors_pass_through() {
    let error = call(map([("name", "nobody".into())])).unwrap_err().to_exception();
    assert_eq!((error.errorcode.as_ref(), error.message.as_str()), ("invaliduser", "Invalid user"));
}
