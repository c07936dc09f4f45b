//! An HTTP request as PHP hands it to Moodle: `$_GET`, `$_POST`, the raw body, the client's
//! address (spec 01 §1.1).
//!
//! The body is read once, within [`Limits::max_body_bytes`]. Form parameters come from the query
//! string always, and from the body only for `POST` with a form content type
//! (`application/x-www-form-urlencoded` or `multipart/form-data`) whose bytes parse as that type;
//! anything else has no body parameters, as in PHP. This module never interprets a parameter.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE};
use http::{HeaderMap, Method};
use portico_schema::{Array, PhpString, Value};
use portico_wire::FormLimits;
use portico_wire::form::{PairOutcome, insert_pair, parse_body, parse_query};

use crate::Limits;

/// A request read into memory.
pub(crate) struct Incoming {
    /// The method.
    pub(crate) method: Method,
    /// The headers.
    pub(crate) headers: HeaderMap,
    /// `$_GET`.
    pub(crate) query: Array,
    /// `$_POST`.
    pub(crate) post: Array,
    /// The raw body (`php://input`).
    pub(crate) body: Bytes,
    /// The client's address.
    pub(crate) client_ip: IpAddr,
    /// The length of a body larger than allowed, which was not read: the request must be
    /// refused.
    pub(crate) too_large: Option<u64>,
}

impl Incoming {
    /// What the function being called may know of this request.
    pub(crate) fn facts(&self) -> portico_engine::RequestFacts {
        let user_agent = self.headers.get(axum::http::header::USER_AGENT);
        portico_engine::RequestFacts {
            user_agent: user_agent
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .unwrap_or_default(),
            client_ip: Some(self.client_ip),
            query_names: self
                .query
                .keys()
                .map(|key| String::from_utf8_lossy(&key.to_php_string()).into_owned())
                .collect(),
        }
    }

    /// Reads `request`: the query string, the body within the limit, the form parameters.
    pub(crate) async fn read(request: Request, limits: &Limits) -> Incoming {
        let (parts, body) = request.into_parts();
        let announced = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok());
        let mut too_large = announced.filter(|&length| length > limits.max_body_bytes as u64);
        let body = if too_large.is_some() {
            Bytes::new()
        } else {
            // A body that ends early or breaks off reads as what arrived, as PHP reads it.
            let read = axum::body::to_bytes(body, limits.max_body_bytes).await;
            read.unwrap_or_else(|_| {
                too_large = Some(limits.max_body_bytes as u64 + 1);
                Bytes::new()
            })
        };
        let form = FormLimits {
            max_input_vars: limits.max_input_vars,
            max_input_nesting_level: limits.max_nesting,
        };
        let query = parse_query(parts.uri.query().unwrap_or_default().as_bytes(), &form);
        if !query.report.is_clean() {
            tracing::warn!(report = ?query.report, "query string variables dropped");
        }
        let post = if parts.method == Method::POST {
            form_body(&parts.headers, &body, &form).await
        } else {
            Array::new()
        };
        let client_ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip().to_canonical());
        Incoming {
            method: parts.method,
            headers: parts.headers,
            query: query.vars,
            post,
            body,
            client_ip,
            too_large,
        }
    }

    /// A parameter as `optional_param` finds it: the body first, then the query string.
    pub(crate) fn param(&self, name: &str) -> Option<&Value> {
        self.post.get_str(name).or_else(|| self.query.get_str(name))
    }

    /// A string parameter; an array counts as absent.
    pub(crate) fn param_str(&self, name: &str) -> Option<&PhpString> {
        match self.param(name)? {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// `$_GET` and `$_POST` merged, the body winning (the REST server's `array_merge`).
    pub(crate) fn merged(&self) -> Array {
        let mut merged = self.query.clone();
        for (key, value) in self.post.iter() {
            merged.insert(key.clone(), value.clone());
        }
        merged
    }

    /// The value of cookie `name`.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }
}

/// `$_POST` of a form body; empty when the content type is not a form type or the bytes do not
/// parse as it.
async fn form_body(headers: &HeaderMap, body: &Bytes, limits: &FormLimits) -> Array {
    let Some(content_type) = headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return Array::new();
    };
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            let parsed = parse_body(body, limits);
            if !parsed.report.is_clean() {
                tracing::warn!(report = ?parsed.report, "form body variables dropped");
            }
            parsed.vars
        }
        "multipart/form-data" => multipart(content_type, body.clone(), limits).await,
        _ => Array::new(),
    }
}

/// `$_POST` of a `multipart/form-data` body: its non-file parts, as PHP's `rfc1867` reader
/// stores them (the first `max_input_vars` parts). A malformed body has no parameters.
async fn multipart(content_type: &str, body: Bytes, limits: &FormLimits) -> Array {
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Array::new();
    };
    let mut reader = multer::Multipart::new(Body::from(body).into_data_stream(), boundary);
    let mut vars = Array::new();
    let mut count = 0;
    loop {
        let field = match reader.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return vars,
            Err(error) => {
                tracing::debug!(%error, "malformed multipart body ignored");
                return Array::new();
            }
        };
        // Uploaded files are not request variables; no endpoint here accepts files.
        if field.file_name().is_some() {
            continue;
        }
        let name = field.name().unwrap_or_default().as_bytes().to_vec();
        let Ok(value) = field.bytes().await else {
            return Array::new();
        };
        count += 1;
        if count > limits.max_input_vars {
            tracing::warn!("multipart variables beyond max_input_vars dropped");
            continue;
        }
        if insert_pair(&mut vars, &name, PhpString::from(value.to_vec()), limits)
            != PairOutcome::Stored
        {
            tracing::debug!("a multipart variable was dropped");
        }
    }
}

/// The text of a request value as `PARAM_RAW` leaves it: a string's bytes, empty for anything
/// else.
pub(crate) fn raw_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::Str(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    }
}
