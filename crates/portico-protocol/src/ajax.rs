//! `lib/ajax/service.php` and `lib/ajax/service-nologin.php`: batches of AJAX calls (spec 01 §5,
//! spec 02 §6).
//!
//! The body is a JSON array of `{index, methodname, args}` whatever its content type
//! (`service-nologin.php` also takes it in the `args` parameter). Each call is checked on its
//! own (declared for AJAX, login, `sesskey`), validated, run and cleaned by the engine; results
//! are stored under their `index`. An unknown function or an unreadable body fails the whole
//! request with shape (b). Web-service settings, tokens and services are not consulted. This
//! module decodes and encodes; it never decides access beyond the per-call checks Moodle makes
//! in `call_external_function`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use http::StatusCode;
use portico_engine::install::now;
use portico_engine::{CallContext, CallError, CallSettings, invoke};
use portico_schema::param::{ParamType, clean};
use portico_schema::{Array, Exception, Key, Value};
use portico_wire::json::json_decode;
use portico_wire::{JsonLimits, error, json};

use crate::errors;
use crate::headers::{self, Headers, respond};
use crate::request::{Incoming, raw_text};
use crate::session::{BrowserSession, current_or_start};
use crate::site::SiteView;

/// Which AJAX endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    /// `service.php`: the browser session.
    Session,
    /// `service-nologin.php`: nobody.
    NoLogin,
}

/// The handler of `lib/ajax/service.php`.
pub(crate) async fn handle_session(
    State(state): State<Arc<crate::State>>,
    request: Request,
) -> Response {
    serve(&state, request, Endpoint::Session).await
}

/// The handler of `lib/ajax/service-nologin.php`.
pub(crate) async fn handle_nologin(
    State(state): State<Arc<crate::State>>,
    request: Request,
) -> Response {
    serve(&state, request, Endpoint::NoLogin).await
}

async fn serve(state: &crate::State, request: Request, endpoint: Endpoint) -> Response {
    let incoming = Incoming::read(request, &state.config.limits).await;
    let site = match state.site.get().await {
        Ok(site) => site,
        Err(error) => {
            let fallback = SiteView::from_config(&state.config.public_url, []);
            return whole_failure(&CallError::Store(error).to_exception(), &fallback, Vec::new());
        }
    };
    let session = match endpoint {
        Endpoint::NoLogin => None,
        Endpoint::Session => {
            let touch = incoming
                .param("nosessionupdate")
                .is_none_or(|value| matches!(value, Value::Str(text) if text.is_empty()));
            match current_or_start(&state.node.store, &site, &incoming, touch).await {
                Ok(session) => Some(session),
                Err(error) => {
                    let exception = CallError::Store(error).to_exception();
                    return whole_failure(&exception, &site, Vec::new());
                }
            }
        }
    };
    let session_headers =
        session.as_ref().map_or_else(Vec::new, |s| headers::session(s.new.then_some(&*s.sid)));
    if let Some(length) = incoming.too_large {
        let exception = errors::body_too_large(length, state.config.limits.max_body_bytes);
        return whole_failure(&exception, &site, session_headers);
    }
    let requests = match decode(&incoming, endpoint, &state.config.limits) {
        Ok(requests) => requests,
        Err(exception) => return whole_failure(&exception, &site, session_headers),
    };
    let mut responses = Array::new();
    let mut failed = false;
    for request in requests {
        let outcome = match run(state, &site, &incoming, session.as_ref(), &request).await {
            Ok(outcome) => outcome,
            // An unknown function aborts the batch, results so far included (spec 01 §5.2).
            Err(abort) => return whole_failure(&abort, &site, session_headers),
        };
        let entry = match outcome {
            Ok(data) => error::ajax_success(data),
            Err(exception) => {
                failed = true;
                error::ajax_failure(&exception, "", &site.error_format)
            }
        };
        responses.insert(Key::Int(request.index), entry);
        if failed && endpoint == Endpoint::Session {
            break;
        }
    }
    let mut headers = headers::then(headers::json_only(), session_headers);
    if endpoint == Endpoint::NoLogin && !failed && cache_key_valid(&incoming) {
        headers = headers::then(headers, headers::public_cache());
    }
    let body = json::json_encode_to_vec(&Value::Array(responses)).unwrap_or_default();
    respond(StatusCode::OK, headers, body)
}

/// One element of the request array.
struct CallRequest {
    index: i64,
    methodname: String,
    args: Value,
}

/// The request array: the `args` parameter (`service-nologin.php`) or the body, as JSON.
fn decode(
    incoming: &Incoming,
    endpoint: Endpoint,
    limits: &crate::Limits,
) -> Result<Vec<CallRequest>, Exception> {
    let from_param = match endpoint {
        Endpoint::NoLogin => incoming.param_str("args").filter(|args| !args.is_empty()),
        Endpoint::Session => None,
    };
    let raw: &[u8] = from_param.map_or(&incoming.body, |args| args.as_slice());
    let value = json_decode(raw, &JsonLimits { max_depth: limits.max_json_depth })
        .map_err(|error| errors::invalid_json(error.message()))?;
    let Value::Array(elements) = value else {
        if value.is_null() {
            return Err(errors::invalid_json(portico_wire::json::NO_ERROR));
        }
        // A scalar is not iterable: PHP's `foreach` warns and does nothing.
        return Ok(Vec::new());
    };
    let site = portico_schema::SiteSettings::default();
    Ok(elements
        .values()
        .map(|element| {
            let field = |name: &str| element.as_array().and_then(|array| array.get_str(name));
            let index = field("index").map_or(Value::Null, Clone::clone);
            let methodname = field("methodname").map_or(Value::Null, Clone::clone);
            CallRequest {
                index: match clean(&index, ParamType::Int, &site) {
                    Value::Int(index) => index,
                    _ => 0,
                },
                methodname: raw_text(Some(&clean(&methodname, ParamType::AlphaNumExt, &site))),
                args: field("args").cloned().unwrap_or(Value::Null),
            }
        })
        .collect())
}

/// One call (spec 01 §5.2): `Err` aborts the batch, `Ok(Err)` is this call's failure.
async fn run(
    state: &crate::State,
    site: &SiteView,
    incoming: &Incoming,
    session: Option<&BrowserSession>,
    request: &CallRequest,
) -> Result<Result<Value, Exception>, Exception> {
    let Some(function) = state.node.registry.get(&request.methodname) else {
        return Err(errors::unknown_function(&request.methodname));
    };
    let info = function.info();
    if !info.ajax {
        return Ok(Err(errors::service_not_available()));
    }
    let mut userid = 0;
    if info.login_required {
        let Some(session) = session.filter(|session| session.userid != 0) else {
            return Ok(Err(errors::service_requires_login()));
        };
        let Some(sesskey) = incoming.param("sesskey") else {
            return Ok(Err(errors::missing_param("sesskey")));
        };
        if raw_text(Some(sesskey)) != session.sesskey {
            return Ok(Err(errors::invalid_sesskey()));
        }
        userid = session.userid;
    } else if let Some(session) = session {
        userid = session.userid;
    }
    // AJAX output settings are fixed (spec 01 §5.2): filters on, file URLs to `pluginfile.php`.
    let settings = CallSettings { filter: true, file: "pluginfile.php", ..CallSettings::default() };
    let context = CallContext::new(site.settings.clone(), userid, settings)
        .with_node(state.node.clone())
        .with_request(incoming.facts());
    Ok(invoke(function.as_ref(), &context, request.args.clone())
        .await
        .map_err(|error| error.to_exception()))
}

/// A whole-request failure: shape (b) with its headers, after the session's.
fn whole_failure(exception: &Exception, site: &SiteView, session: Headers) -> Response {
    let body = error::script(exception, "", &site.error_format).unwrap_or_default();
    respond(StatusCode::OK, headers::then(session, headers::script(false)), body)
}

/// `cachekey`: a positive integer no later than now enables public caching.
fn cache_key_valid(incoming: &Incoming) -> bool {
    let Some(value) = incoming.param("cachekey") else { return false };
    match clean(value, ParamType::Int, &portico_schema::SiteSettings::default()) {
        Value::Int(key) => key > 0 && key <= now(),
        _ => false,
    }
}
