//! `login/token.php`: a web-service token for a username and password (spec 01 §4, spec 02 §5).
//!
//! This module owns rows 1 to 3 of the error table, the ones only the HTTP layer can see: the
//! request's host against `wwwroot` (`requirecorrectaccess`, early-error shape), web services
//! off (`enablewsdescription`), the `appsitecheck` probe and missing parameters (in the order
//! `username`, `password`, `service`). Everything after that is [`Access::login`]'s. Every answer
//! is shape (b) JSON with HTTP 200 and the shape-(b) headers, CORS included.
//!
//! [`Access::login`]: portico_access::Access::login

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use http::StatusCode;
use http::header::HOST;
use portico_access::LoginRequest;
use portico_engine::CallError;
use portico_engine::install::now;
use portico_schema::param::{ParamType, clean};
use portico_schema::{Array, Exception, Key, SiteSettings, Value};
use portico_wire::{error, json};

use crate::errors;
use crate::headers::{self, JSON_UTF8, respond};
use crate::request::{Incoming, raw_text};
use crate::site::SiteView;

/// The handler of `login/token.php`.
pub(crate) async fn handle(State(state): State<Arc<crate::State>>, request: Request) -> Response {
    let incoming = Incoming::read(request, &state.config.limits).await;
    let site = match state.site.get().await {
        Ok(site) => site,
        Err(error) => {
            let fallback = SiteView::from_config(&state.config.public_url, []);
            return failure(&CallError::Store(error).to_exception(), &fallback);
        }
    };
    let wwwroot = &state.config.public_url;
    // 1. The request must be addressed to the site's own host and port.
    let called = incoming.headers.get(HOST).and_then(|host| host.to_str().ok()).unwrap_or("");
    let expected = authority(wwwroot);
    if with_port(called, wwwroot) != with_port(&expected, wwwroot) {
        let exception = errors::require_correct_access(called, &expected);
        let body = error::early(&exception, "", &site.error_format).unwrap_or_default();
        return respond(StatusCode::OK, headers::json_only(), body);
    }
    // 2. Web services must be on.
    if !site.enablewebservices {
        return failure(&portico_access::AccessError::WebServicesDisabled.exception(), &site);
    }
    // 3. The reachability probe.
    let probe = incoming
        .param("appsitecheck")
        .map(|value| clean(value, ParamType::Int, &SiteSettings::default()));
    if matches!(probe, Some(Value::Int(value)) if value != 0) {
        let body: Array = [(Key::from("appsitecheck"), Value::from("ok"))].into_iter().collect();
        let body = json::json_encode_to_vec(&Value::Array(body)).unwrap_or_default();
        let headers = vec![
            (http::header::CONTENT_TYPE, http::HeaderValue::from_static(JSON_UTF8)),
            (http::header::ACCESS_CONTROL_ALLOW_ORIGIN, http::HeaderValue::from_static("*")),
        ];
        return respond(StatusCode::OK, headers, body);
    }
    if let Some(length) = incoming.too_large {
        let exception = errors::body_too_large(length, state.config.limits.max_body_bytes);
        return failure(&exception, &site);
    }
    // 4. The three parameters, in this order.
    let mut values = Vec::with_capacity(3);
    for name in ["username", "password", "service"] {
        match incoming.param_str(name) {
            Some(_) => values.push(raw_text(incoming.param(name))),
            None => return failure(&errors::missing_param(name), &site),
        }
    }
    let request = LoginRequest {
        username: &values[0],
        password: &values[1],
        service: &values[2],
        client_ip: incoming.client_ip,
        now: now(),
        https: wwwroot.starts_with("https://"),
    };
    match state.node.access.login(request).await {
        Ok(grant) => {
            let body: Array = [
                (Key::from("token"), Value::from(grant.token)),
                (Key::from("privatetoken"), grant.privatetoken.map_or(Value::Null, Value::from)),
            ]
            .into_iter()
            .collect();
            let body = json::json_encode_to_vec(&Value::Array(body)).unwrap_or_default();
            respond(StatusCode::OK, headers::script(true), body)
        }
        Err(refusal) => failure(&refusal.exception(), &site),
    }
}

/// A shape-(b) error with its headers, CORS included.
fn failure(exception: &Exception, site: &SiteView) -> Response {
    let body = error::script(exception, "", &site.error_format).unwrap_or_default();
    respond(StatusCode::OK, headers::script(true), body)
}

/// The `host[:port]` of a URL.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or_default().to_owned()
}

/// `authority` lower-cased with its port made explicit (the scheme's default when absent).
fn with_port(authority: &str, wwwroot: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let has_port = match authority.rsplit_once(':') {
        // An IPv6 literal without a port ends in `]`.
        Some((_, port)) => !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit()),
        None => false,
    };
    if has_port {
        return authority;
    }
    let port = if wwwroot.starts_with("https://") { 443 } else { 80 };
    format!("{authority}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_compare_with_default_ports() {
        let check = |called: &str, wwwroot: &str, same: bool| {
            let expected = authority(wwwroot);
            assert_eq!(with_port(called, wwwroot) == with_port(&expected, wwwroot), same);
        };
        check("example.org", "http://example.org", true);
        check("example.org:80", "http://example.org", true);
        check("EXAMPLE.org", "https://example.org/moodle", true);
        check("example.org:8080", "http://example.org", false);
        check("other.org", "http://example.org", false);
        check("127.0.0.1:4000", "http://127.0.0.1:4000", true);
        check("[::1]", "http://[::1]:80", true);
        check("", "http://example.org", false);
    }
}
