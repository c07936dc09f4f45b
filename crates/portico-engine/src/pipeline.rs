//! The protocol-neutral core of every call: validate, run, clean.
//!
//! Protocols decode the request into a [`Value`] and encode the outcome; access checks happen
//! before [`invoke`]. Keeping these three steps in one place means no protocol can skip one.

use portico_schema::{Value, clean_returnvalue, validate_parameters};

use crate::context::CallContext;
use crate::error::CallError;
use crate::function::Function;

/// Validates `args` against the function's parameters, runs it, and cleans its result against
/// the return description (spec 03 §6.2 steps 4 to 6). A function without a return description
/// returns `null`, whatever its body produced (spec 03 §5.6).
pub async fn invoke(
    function: &dyn Function,
    context: &CallContext,
    args: Value,
) -> Result<Value, CallError> {
    let info = function.info();
    let args = validate_parameters(&info.parameters, args, context.site())?;
    let result = function.call(context, args).await?;
    match &info.returns {
        Some(returns) => Ok(clean_returnvalue(returns, result, context.site())?),
        None => Ok(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use portico_schema::{Array, Desc, Key, ParamType, Parameters, SiteSettings, Valid, Value};

    use super::*;
    use crate::function::{BoxFuture, CallKind, FunctionInfo};
    use crate::registry::Registry;
    use crate::{CallSettings, DeclarationError};

    /// A data-driven function: echoes `text` back `times` times, with a hand-built description.
    struct Repeat {
        info: FunctionInfo,
        returns_garbage: bool,
    }

    fn repeat(name: &'static str, returns: Option<Desc>, returns_garbage: bool) -> Repeat {
        let info = FunctionInfo {
            name: Cow::Borrowed(name),
            component: Cow::Borrowed("local_test"),
            description: Cow::Borrowed("Repeats a text."),
            kind: CallKind::Read,
            ajax: true,
            capabilities: vec![],
            services: vec![],
            login_required: true,
            readonly_session: false,
            deprecated: false,
            parameters: Parameters::new([
                ("text", Desc::value(ParamType::Text, "what to repeat")),
                ("times", Desc::value(ParamType::Int, "how often").with_default(Value::Int(2))),
            ]),
            returns,
        };
        Repeat { info, returns_garbage }
    }

    impl Function for Repeat {
        fn info(&self) -> &FunctionInfo {
            &self.info
        }

        fn call<'a>(
            &'a self,
            _: &'a CallContext,
            args: Valid<Value>,
        ) -> BoxFuture<'a, Result<Value, CallError>> {
            Box::pin(async move {
                let args = args.into_inner();
                let array = args.as_array().expect("validated parameters are a structure");
                let text = array.get_str("text").and_then(Value::as_str).unwrap_or_default();
                let Some(Value::Int(times)) = array.get_str("times") else {
                    return Ok(Value::Null);
                };
                let mut result = Array::new();
                let repeated = text.repeat(usize::try_from(*times).unwrap_or(0));
                result.insert(
                    Key::from("text"),
                    if self.returns_garbage { Value::Int(1) } else { repeated.into() },
                );
                result.insert(Key::from("internal"), "not described".into());
                Ok(Value::Array(result))
            })
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

    fn context() -> CallContext {
        CallContext::new(Arc::new(SiteSettings::default()), 2, CallSettings::default())
    }

    fn args(entries: &[(&str, &str)]) -> Value {
        Value::Array(
            entries.iter().map(|(key, value)| (Key::from(*key), Value::from(*value))).collect(),
        )
    }

    fn returns() -> Option<Desc> {
        Some(Desc::single([("text", Desc::value(ParamType::Raw, "repeated"))], ""))
    }

    #[test]
    fn invoke_validates_runs_and_cleans() {
        let function = repeat("local_test_repeat", returns(), false);
        let result = block_on(invoke(&function, &context(), args(&[("text", "ab")]))).unwrap();
        // The default of `times` applied; the undescribed key was dropped.
        let expected: Array = [(Key::from("text"), Value::from("abab"))].into_iter().collect();
        assert_eq!(result, Value::Array(expected));
    }

    #[test]
    fn invoke_reports_invalid_parameters_before_running() {
        let function = repeat("local_test_repeat", returns(), false);
        let error = block_on(invoke(&function, &context(), args(&[("text", "a"), ("times", "x")])))
            .unwrap_err();
        let exception = error.to_exception();
        assert_eq!(exception.errorcode, "invalidparameter");
        assert_eq!(
            exception.debuginfo.unwrap(),
            "times => Invalid parameter value detected: Invalid external api parameter: the value is \"x\", \
             the server was expecting \"int\" type"
        );
    }

    #[test]
    fn invoke_reports_invalid_responses() {
        let function = repeat(
            "local_test_repeat",
            Some(Desc::single([("text", Desc::value(ParamType::Alpha, ""))], "")),
            true,
        );
        let result = block_on(invoke(&function, &context(), args(&[("text", "a")])));
        assert_eq!(result.unwrap_err().to_exception().errorcode, "invalidresponse");
    }

    #[test]
    fn a_missing_return_description_sends_null() {
        let function = repeat("local_test_repeat", None, false);
        assert_eq!(
            block_on(invoke(&function, &context(), args(&[("text", "a")]))).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn the_registry_refuses_bad_declarations() {
        let mut registry = Registry::new();
        registry.try_add_dyn(Arc::new(repeat("local_test_b", returns(), false))).unwrap();
        registry.try_add_dyn(Arc::new(repeat("local_test_a", returns(), false))).unwrap();
        assert_eq!(
            registry.try_add_dyn(Arc::new(repeat("local_test_a", returns(), false))),
            Err(DeclarationError::Duplicate("local_test_a".to_string()))
        );
        let mut optional = repeat("local_test_c", returns(), false);
        optional.info.parameters =
            Parameters::new([("x", Desc::value(ParamType::Int, "").optional())]);
        assert_eq!(
            registry.try_add_dyn(Arc::new(optional)),
            Err(DeclarationError::OptionalParameter {
                function: "local_test_c".into(),
                key: "x".into()
            })
        );
        let names: Vec<_> =
            registry.iter().map(|function| function.info().name.to_string()).collect();
        assert_eq!(names, ["local_test_a", "local_test_b"]);
    }
}
