//! The header sets Moodle sends, name for name and in order (spec 01 §1.2, §1.5, §3.5, §3.6,
//! §4.2, §5.1, §5.3).
//!
//! Clients and caches see these headers, so each set is written out here once and the endpoints
//! only pick one. This module never builds a body.

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::response::Response;
use http::header::{
    ACCEPT_RANGES, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE,
    EXPIRES, LAST_MODIFIED, PRAGMA, SET_COOKIE,
};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

/// `Content-Type` of JSON written by AJAX scripts and `login/token.php`.
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A list of headers, in the order they are sent.
pub(crate) type Headers = Vec<(HeaderName, HeaderValue)>;

fn header(name: HeaderName, value: &'static str) -> (HeaderName, HeaderValue) {
    (name, HeaderValue::from_static(value))
}

fn date(time: SystemTime) -> HeaderValue {
    // An HTTP date is ASCII, so it is always a valid header value.
    HeaderValue::from_str(&httpdate::fmt_http_date(time)).unwrap_or(HeaderValue::from_static(""))
}

/// The REST server's headers (spec 01 §3.5, §3.6), on successes and errors alike.
pub(crate) fn rest(json: bool) -> Headers {
    let mut headers = if json {
        vec![header(CONTENT_TYPE, "application/json")]
    } else {
        vec![
            header(CONTENT_TYPE, "application/xml; charset=utf-8"),
            header(CONTENT_DISPOSITION, "inline; filename=\"response.xml\""),
        ]
    };
    headers.extend([
        header(CACHE_CONTROL, "private, must-revalidate, pre-check=0, post-check=0, max-age=0"),
        header(EXPIRES, "Thu, 01 Jan 1970 00:00:00 GMT"),
        header(PRAGMA, "no-cache"),
        header(ACCEPT_RANGES, "none"),
        header(ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    ]);
    headers
}

/// The REST gate's refusal: `text/html`, nothing else (spec 01 §1.2).
pub(crate) fn html() -> Headers {
    vec![header(CONTENT_TYPE, "text/html; charset=utf-8")]
}

/// The AJAX-script headers of shape (b) (spec 01 §1.5): the JSON content type, CORS when the
/// endpoint sends it, and the no-cache set.
pub(crate) fn script(cors: bool) -> Headers {
    let mut headers = vec![header(CONTENT_TYPE, JSON_UTF8)];
    if cors {
        headers.push(header(ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
    }
    headers.extend([
        header(CACHE_CONTROL, "no-store, no-cache, must-revalidate"),
        header(CACHE_CONTROL, "post-check=0, pre-check=0"),
        header(PRAGMA, "no-cache"),
        header(EXPIRES, "Mon, 20 Aug 1969 09:23:00 GMT"),
        (LAST_MODIFIED, date(SystemTime::now())),
        header(ACCEPT_RANGES, "none"),
    ]);
    headers
}

/// Only the JSON content type: the early-bootstrap error (`requirecorrectaccess`) and a
/// successful AJAX response.
pub(crate) fn json_only() -> Headers {
    vec![header(CONTENT_TYPE, JSON_UTF8)]
}

/// `login/token.php`'s site probe: the JSON content type and CORS (spec 01 §4.3).
pub(crate) fn probe() -> Headers {
    vec![header(CONTENT_TYPE, JSON_UTF8), header(ACCESS_CONTROL_ALLOW_ORIGIN, "*")]
}

/// PHP's session headers (`session.cache_limiter = nocache`), with the cookie when the session
/// is new (spec 01 §5.1).
pub(crate) fn session(cookie: Option<&str>) -> Headers {
    let mut headers = Vec::with_capacity(4);
    if let Some(sid) = cookie
        && let Ok(value) = HeaderValue::from_str(&format!("MoodleSession={sid}; path=/"))
    {
        headers.push((SET_COOKIE, value));
    }
    headers.extend([
        header(EXPIRES, "Thu, 19 Nov 1981 08:52:00 GMT"),
        header(CACHE_CONTROL, "no-store, no-cache, must-revalidate"),
        header(PRAGMA, "no-cache"),
    ]);
    headers
}

/// The public-caching headers of `service-nologin.php` with a valid `cachekey` (spec 01 §5.3).
pub(crate) fn public_cache() -> Headers {
    const NINETY_DAYS: u64 = 90 * 24 * 3600;
    vec![
        (EXPIRES, date(SystemTime::now() + Duration::from_secs(NINETY_DAYS))),
        header(PRAGMA, ""),
        header(CACHE_CONTROL, "public, max-age=7776000, immutable"),
        header(ACCEPT_RANGES, "none"),
    ]
}

/// `first` followed by `then`, where a name in `then` replaces that name in `first`, as PHP's
/// `header()` replaces a header sent earlier.
pub(crate) fn then(mut first: Headers, then: Headers) -> Headers {
    first.retain(|(name, _)| !then.iter().any(|(replacing, _)| replacing == name));
    first.extend(then);
    first
}

/// A response with `status`, the headers in order (a repeated name is sent twice) and `body`.
pub(crate) fn respond(status: StatusCode, headers: Headers, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let map: &mut HeaderMap = response.headers_mut();
    for (name, value) in headers {
        map.append(name, value);
    }
    response
}
