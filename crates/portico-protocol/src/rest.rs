//! `webservice/rest/server.php`: the REST protocol (spec 01 §3).
//!
//! Decoding: query string and form body merged (the body wins), the reserved names removed, every
//! other variable an argument. Encoding: `moodlewsrestformat=json` (exactly) answers PHP's
//! `json_encode` of the cleaned value, anything else the REST XML document; errors are shape (a)
//! or the XML `EXCEPTION`, with HTTP 200 and the same headers; a disabled protocol is HTTP 403
//! with an empty body. This module only decodes and encodes; [`crate::call`] runs the call.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use http::StatusCode;
use portico_engine::{CallSettings, FunctionInfo};
use portico_schema::param::{ParamType, clean, clean_bool};
use portico_schema::{SiteSettings, Value};
use portico_wire::{error, json, xml};

use crate::call::{Failure, Protocol, TokenCall, serve};
use crate::headers::{self, respond};
use crate::request::{Incoming, raw_text};
use crate::site::SiteView;

/// The names the REST server takes for itself; everything else is an argument (spec 01 §3.2).
pub const RESERVED: [&str; 8] = [
    "wstoken",
    "wsfunction",
    "moodlewsrestformat",
    "moodlewssettingfilter",
    "moodlewssettingfileurl",
    "moodlewssettingraw",
    "moodlewssettinglang",
    "moodlewssettingtimezone",
];

/// The response encoding a REST request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestFormat {
    /// `moodlewsrestformat=json`.
    Json,
    /// Anything else, including `JSON`: the default.
    Xml,
}

/// The REST protocol.
pub(crate) struct Rest;

impl Protocol for Rest {
    const NAME: &'static str = "rest";
    type Format = RestFormat;

    fn format(incoming: &Incoming) -> RestFormat {
        match incoming.param("moodlewsrestformat") {
            Some(Value::Str(format)) if format == "json" => RestFormat::Json,
            _ => RestFormat::Xml,
        }
    }

    fn decode(incoming: &Incoming) -> TokenCall {
        let mut args = incoming.merged();
        for name in RESERVED {
            args.remove_entry_str(name);
        }
        TokenCall {
            token: raw_text(incoming.param("wstoken")),
            function: raw_text(incoming.param("wsfunction")),
            args: Value::Array(args),
            settings: settings(incoming),
        }
    }

    fn success(format: &RestFormat, function: &FunctionInfo, value: &Value) -> Response {
        let body = match format {
            // `json_encode` failing (a string that is not UTF-8) leaves the body empty, as in
            // Moodle.
            RestFormat::Json => json::json_encode_to_vec(value).unwrap_or_default(),
            RestFormat::Xml => xml::rest_response(function.returns.as_ref(), value),
        };
        respond(StatusCode::OK, headers::rest(*format == RestFormat::Json), body)
    }

    fn failure(format: &RestFormat, failure: &Failure, site: &SiteView) -> Response {
        let exception = match failure {
            Failure::Disabled => return respond(StatusCode::FORBIDDEN, headers::html(), ""),
            Failure::Exception(exception) => exception,
        };
        let body = match format {
            RestFormat::Json => {
                error::rest_json(exception, &site.error_format).unwrap_or_default()
            }
            RestFormat::Xml => error::rest_xml(exception, &site.error_format),
        };
        respond(StatusCode::OK, headers::rest(*format == RestFormat::Json), body)
    }
}

/// The output settings of `moodlewssetting*` (spec 01 §3.2, spec 03 §9.4).
fn settings(incoming: &Incoming) -> CallSettings {
    let mut settings = CallSettings::default();
    let flag = |name: &str| incoming.param(name).map(|value| clean_bool(value) != 0);
    if let Some(raw) = flag("moodlewssettingraw") {
        settings.raw = raw;
    }
    if let Some(fileurl) = flag("moodlewssettingfileurl") {
        settings.fileurl = fileurl;
    }
    if let Some(filter) = flag("moodlewssettingfilter") {
        settings.filter = filter;
    }
    let site = SiteSettings::default();
    let text = |name: &str, param: ParamType| {
        incoming.param(name).map(|value| clean(value, param, &site).to_php_string())
    };
    if let Some(lang) = text("moodlewssettinglang", ParamType::Lang) {
        settings.lang = String::from_utf8_lossy(&lang).into_owned();
    }
    if let Some(timezone) = text("moodlewssettingtimezone", ParamType::Timezone) {
        settings.timezone = String::from_utf8_lossy(&timezone).into_owned();
    }
    settings
}

/// The handler of `webservice/rest/server.php`.
pub(crate) async fn handle(State(state): State<Arc<crate::State>>, request: Request) -> Response {
    serve::<Rest>(state, request).await
}
