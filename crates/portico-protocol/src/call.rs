//! The one call pipeline of every token protocol (spec 01 §3.4, spec 02 §3): decode,
//! authenticate and authorise, find the function, log the call, validate, run, clean, encode.
//!
//! A protocol is a [`Protocol`]: a decoder from the request to a [`TokenCall`] and encoders for
//! the outcome. [`serve`] runs the steps between them in Moodle's order, so a new protocol (SOAP,
//! XML-RPC) cannot skip or reorder a check. This module must never encode anything itself.

use std::sync::Arc;

use axum::extract::Request;
use axum::response::Response;
use http::Method;
use portico_access::{AccessError, events};
use portico_engine::install::now;
use portico_engine::{CallContext, CallError, CallSettings, Function, FunctionInfo, invoke};
use portico_schema::{Exception, Value};

use crate::State;
use crate::errors;
use crate::request::Incoming;
use crate::site::SiteView;

/// A token call as a protocol decoded it.
pub(crate) struct TokenCall {
    /// The token, compared exactly (`wstoken`).
    pub(crate) token: String,
    /// The function's wire name (`wsfunction`).
    pub(crate) function: String,
    /// The arguments, as PHP would have parsed them.
    pub(crate) args: Value,
    /// The output settings (`moodlewssetting*`).
    pub(crate) settings: CallSettings,
}

/// Why a call produced no result.
pub(crate) enum Failure {
    /// Web services or this protocol are disabled: the protocol's own refusal.
    Disabled,
    /// A Moodle exception, to be written as the protocol's error document.
    Exception(Exception),
}

/// A web-service protocol: how a request becomes a [`TokenCall`] and how outcomes are written.
pub(crate) trait Protocol {
    /// The protocol's name in `webserviceprotocols` and `webservice/<name>:use`.
    const NAME: &'static str;
    /// Encoding choices made by the request (REST: JSON or XML).
    type Format: Send;

    /// The encoding this request asks for; read before anything can fail.
    fn format(incoming: &Incoming) -> Self::Format;
    /// The call this request makes.
    fn decode(incoming: &Incoming) -> TokenCall;
    /// A successful result of `function`, already cleaned.
    fn success(format: &Self::Format, function: &FunctionInfo, value: &Value) -> Response;
    /// A failure, written with the site's error settings.
    fn failure(format: &Self::Format, failure: &Failure, site: &SiteView) -> Response;
}

/// Serves one token-protocol request from start to end.
pub(crate) async fn serve<P: Protocol>(state: Arc<State>, request: Request) -> Response {
    let incoming = Incoming::read(request, &state.config.limits).await;
    let format = P::format(&incoming);
    let site = match state.site.get().await {
        Ok(site) => site,
        Err(error) => {
            // Bootstrap failed: the error still goes out in the requested format.
            let fallback = SiteView::from_config(&state.config.public_url, []);
            let failure = Failure::Exception(CallError::Store(error).to_exception());
            return head(&incoming.method, P::failure(&format, &failure, &fallback));
        }
    };
    let response = match run::<P>(&state, &site, &incoming).await {
        Ok((function, value)) => P::success(&format, function.info(), &value),
        Err(failure) => {
            if let Failure::Exception(exception) = &failure {
                tracing::info!(
                    protocol = P::NAME,
                    errorcode = exception.errorcode.as_ref(),
                    debuginfo = ?exception.debuginfo,
                    "{} exception handler: {}",
                    P::NAME,
                    exception.message
                );
            }
            P::failure(&format, &failure, &site)
        }
    };
    head(&incoming.method, response)
}

/// `HEAD` gets the headers of the answer and no body.
fn head(method: &Method, response: Response) -> Response {
    if method == Method::HEAD {
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, axum::body::Body::empty());
    }
    response
}

/// Steps 0b to 21 of spec 02 §3.
async fn run<P: Protocol>(
    state: &State,
    site: &SiteView,
    incoming: &Incoming,
) -> Result<(Arc<dyn Function>, Value), Failure> {
    let node = &state.node;
    if !site.protocol_enabled(P::NAME) {
        // The gate does not depend on the request; answer before reading anything else.
        return Err(Failure::Disabled);
    }
    if let Some(length) = incoming.too_large {
        return Err(Failure::Exception(errors::body_too_large(
            length,
            state.config.limits.max_body_bytes,
        )));
    }
    let call = P::decode(incoming);
    let caller = node
        .access
        .authorise_token_call(&call.token, &call.function, P::NAME, incoming.client_ip, now())
        .await
        .map_err(|error| match error {
            AccessError::ProtocolDisabled { .. } => Failure::Disabled,
            AccessError::UnknownFunction => {
                Failure::Exception(errors::unknown_function(&call.function))
            }
            other => Failure::Exception(other.exception()),
        })?;
    let function = node
        .registry
        .get(&call.function)
        .cloned()
        .ok_or_else(|| Failure::Exception(errors::function_code_missing(&call.function)))?;
    // Event `webservice_function_called` (spec 02 §10), queued: the call never waits for it.
    node.access.events().record(events::webservice_function_called(
        &call.function,
        &caller,
        now(),
        incoming.client_ip,
    ));
    let context = CallContext::new(site.settings.clone(), caller.userid, call.settings)
        .with_node(node.clone())
        .with_caller(caller)
        .with_request(incoming.facts());
    let value = invoke(function.as_ref(), &context, call.args)
        .await
        .map_err(|error| Failure::Exception(error.to_exception()))?;
    Ok((function, value))
}
