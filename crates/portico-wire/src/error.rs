//! Every error document Moodle's web-service endpoints send, as bytes (spec 01 §1.5, §3.7,
//! §5.3): the REST error in JSON (shape (a)) and XML, the AJAX-script error (shape (b)) and its
//! early-bootstrap variant, and the AJAX per-call exception object.
//!
//! This module only serialises. Which exception a failure becomes, its class, code and texts,
//! is decided before it gets here (`portico-engine`), and whether debug detail is shown is the
//! site's setting, passed in an [`ErrorFormat`]. The shapes differ in small ways clients see:
//! REST quotes the message stored in the exception, with ` (<debuginfo>)` on developer sites;
//! the AJAX shapes use the script message and add debug detail only at DEVELOPER level.

use portico_schema::{Array, ClassNaming, Exception, Key, PhpString, Value};

use crate::json::{JsonEncodeError, json_encode_to_vec};
use crate::xml::{DECLARATION, escape_text};

/// The site's debug level (`$CFG->debug`) as the error documents see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum DebugLevel {
    /// Below NORMAL (0 or MINIMAL): no debug detail anywhere.
    #[default]
    None,
    /// NORMAL (15) or ALL (30719), or a user listed in `$CFG->debugusers`: REST errors carry
    /// `debuginfo`.
    Normal,
    /// DEVELOPER (32767): the AJAX shapes add their backtrace, debug text and links too.
    Developer,
}

/// How to write error documents for this site and request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorFormat {
    /// The effective debug level.
    pub debug: DebugLevel,
    /// Which spelling of exception class names the site reports (spec 01 §3.9).
    pub class_naming: ClassNaming,
    /// Whether messages carry ` (<debuginfo>)`: DEVELOPER level with `debugdisplay` on
    /// (spec 01 §3.8).
    pub developer_messages: bool,
    /// The site's base URL (`$CFG->wwwroot`), without a final `/`.
    pub wwwroot: String,
    /// Moodle's documentation site (`$CFG->docroot`), default `https://docs.moodle.org`.
    pub docroot: String,
    /// The documentation branch of the release Portico claims, e.g. `405` for 4.5.
    pub docs_branch: String,
    /// The current language code, e.g. `en`.
    pub lang: String,
}

impl ErrorFormat {
    /// A format for the site at `wwwroot`: no debugging, namespaced class names (Moodle 4.5),
    /// English, documentation branch `405`.
    pub fn new(wwwroot: impl Into<String>) -> ErrorFormat {
        ErrorFormat {
            debug: DebugLevel::None,
            class_naming: ClassNaming::Namespaced,
            developer_messages: false,
            wwwroot: wwwroot.into(),
            docroot: "https://docs.moodle.org".to_string(),
            docs_branch: "405".to_string(),
            lang: "en".to_string(),
        }
    }

    /// The site root, `{wwwroot}/`: the `link` and `reproductionlink` Moodle gives when there is
    /// no referring page (Portico keeps no `fromurl` in a session).
    pub fn site_link(&self) -> String {
        format!("{}/", self.wwwroot)
    }

    /// The documentation page of an error:
    /// `<docroot>/<branch>/<lang>/error/<module>/<errorcode>`, where the core modules
    /// (`error`, `moodle`, `core` or none) are written `moodle`.
    pub fn more_info_url(&self, exception: &Exception) -> String {
        let module = match exception.module {
            "" | "moodle" | "core" | "error" => "moodle",
            other => other,
        };
        format!(
            "{}/{}/{}/error/{}/{}",
            self.docroot, self.docs_branch, self.lang, module, exception.errorcode
        )
    }

    fn developer(&self) -> bool {
        self.debug >= DebugLevel::Developer
    }

    /// The debug text of the AJAX shapes at DEVELOPER level: `<debuginfo>\nError code: <code>`.
    fn developer_debuginfo(&self, exception: &Exception) -> PhpString {
        let mut text = exception.debuginfo.clone().unwrap_or_default();
        text.extend_from_slice(b"\nError code: ");
        text.extend_from_slice(exception.errorcode.as_bytes());
        text
    }
}

/// Builds a JSON object in key order.
fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Array(entries.into_iter().map(|(key, value)| (Key::from(key), value)).collect())
}

fn text_or_null(text: &str) -> Value {
    if text.is_empty() { Value::Null } else { Value::from(text) }
}

/// The REST error in JSON, shape (a): `exception`, `errorcode`, `message` and, at NORMAL level
/// or above when the exception has debug information, `debuginfo`.
///
/// Fails like `json_encode` when a text is not UTF-8; Moodle then sends an empty body.
pub fn rest_json(exception: &Exception, format: &ErrorFormat) -> Result<Vec<u8>, JsonEncodeError> {
    let mut error: Array = [
        (Key::from("exception"), Value::from(exception.class_name(format.class_naming).as_ref())),
        (Key::from("errorcode"), Value::from(exception.errorcode.as_ref())),
        (Key::from("message"), Value::Str(exception.full_message(format.developer_messages))),
    ]
    .into_iter()
    .collect();
    if format.debug >= DebugLevel::Normal
        && let Some(debuginfo) = &exception.debuginfo
    {
        error.insert(Key::from("debuginfo"), Value::Str(debuginfo.clone()));
    }
    json_encode_to_vec(&Value::Array(error))
}

/// The REST error in XML (spec 01 §3.7): `<EXCEPTION class="…">` with `ERRORCODE`, `MESSAGE`
/// and, under the same rule as the JSON key, `DEBUGINFO`. Texts are escaped like `<VALUE>`
/// text (invalid UTF-8 becomes empty); the class name is not escaped.
pub fn rest_xml(exception: &Exception, format: &ErrorFormat) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(DECLARATION);
    out.extend_from_slice(b"<EXCEPTION class=\"");
    out.extend_from_slice(exception.class_name(format.class_naming).as_bytes());
    out.extend_from_slice(b"\">\n<ERRORCODE>");
    escape_text(exception.errorcode.as_bytes(), &mut out);
    out.extend_from_slice(b"</ERRORCODE>\n<MESSAGE>");
    escape_text(&exception.full_message(format.developer_messages), &mut out);
    out.extend_from_slice(b"</MESSAGE>\n");
    if format.debug >= DebugLevel::Normal
        && let Some(debuginfo) = &exception.debuginfo
    {
        out.extend_from_slice(b"<DEBUGINFO>");
        escape_text(debuginfo, &mut out);
        out.extend_from_slice(b"</DEBUGINFO>\n");
    }
    out.extend_from_slice(b"</EXCEPTION>\n");
    out
}

/// The AJAX-script error, shape (b), of `login/token.php`, the file endpoints and a whole-request
/// AJAX failure: `error`, `errorcode`, `stacktrace`, `debuginfo`, `reproductionlink`.
///
/// Below DEVELOPER level the last three are `null`. At DEVELOPER, `stacktrace` is `backtrace`
/// (one `* line <n> of <file>: <text>\n` per frame; `null` when empty), `debuginfo` is
/// `<debuginfo>\nError code: <errorcode>` and `reproductionlink` the site root.
pub fn script(
    exception: &Exception,
    backtrace: &str,
    format: &ErrorFormat,
) -> Result<Vec<u8>, JsonEncodeError> {
    let developer = format.developer();
    let error = object([
        ("error", Value::from(exception.script_message())),
        ("errorcode", Value::from(exception.errorcode.as_ref())),
        ("stacktrace", if developer { text_or_null(backtrace) } else { Value::Null }),
        (
            "debuginfo",
            if developer { Value::Str(format.developer_debuginfo(exception)) } else { Value::Null },
        ),
        ("reproductionlink", if developer { Value::from(format.site_link()) } else { Value::Null }),
    ]);
    json_encode_to_vec(&error)
}

/// The early-bootstrap variant of shape (b) (e.g. `requirecorrectaccess`): keys `error`,
/// `stacktrace`, `debuginfo`, `errorcode`, filled at DEVELOPER level as in [`script`].
pub fn early(
    exception: &Exception,
    backtrace: &str,
    format: &ErrorFormat,
) -> Result<Vec<u8>, JsonEncodeError> {
    let developer = format.developer();
    let error = object([
        ("error", Value::from(exception.script_message())),
        ("stacktrace", if developer { text_or_null(backtrace) } else { Value::Null }),
        (
            "debuginfo",
            if developer { Value::Str(format.developer_debuginfo(exception)) } else { Value::Null },
        ),
        ("errorcode", Value::from(exception.errorcode.as_ref())),
    ]);
    json_encode_to_vec(&error)
}

/// The exception object of a failed AJAX call (spec 01 §5.3): `message`, `errorcode`, `link`,
/// `moreinfourl`; at DEVELOPER level `message`, `errorcode`, `backtrace`, `link`,
/// `moreinfourl`, `debuginfo`. A value, so the batch response is encoded in one piece.
pub fn ajax_exception(exception: &Exception, backtrace: &str, format: &ErrorFormat) -> Value {
    let mut error = Array::with_capacity(6);
    error.insert(Key::from("message"), Value::from(exception.script_message()));
    error.insert(Key::from("errorcode"), Value::from(exception.errorcode.as_ref()));
    if format.developer() {
        error.insert(Key::from("backtrace"), Value::from(backtrace));
    }
    error.insert(Key::from("link"), Value::from(format.site_link()));
    error.insert(Key::from("moreinfourl"), Value::from(format.more_info_url(exception)));
    if format.developer() {
        error.insert(Key::from("debuginfo"), Value::Str(format.developer_debuginfo(exception)));
    }
    Value::Array(error)
}

/// One failed entry of an AJAX batch response: `{"error":true,"exception":{…}}`.
pub fn ajax_failure(exception: &Exception, backtrace: &str, format: &ErrorFormat) -> Value {
    object([
        ("error", Value::Bool(true)),
        ("exception", ajax_exception(exception, backtrace, format)),
    ])
}

/// One successful entry of an AJAX batch response: `{"error":false,"data":<data>}`.
pub fn ajax_success(data: Value) -> Value {
    object([("error", Value::Bool(false)), ("data", data)])
}

#[cfg(test)]
mod tests {
    use portico_schema::exception::INVALID_PARAMETER;

    use super::*;
    use crate::json::json_encode_to_vec;

    fn invalidtoken() -> Exception {
        Exception::moodle("invalidtoken", "webservice", "Invalid token - token not found")
    }

    fn format(debug: DebugLevel, class_naming: ClassNaming) -> ErrorFormat {
        ErrorFormat {
            debug,
            class_naming,
            docs_branch: "401".to_string(),
            ..ErrorFormat::new("https://site.example")
        }
    }

    fn moodle_4_1(debug: DebugLevel) -> ErrorFormat {
        format(debug, ClassNaming::Global)
    }

    /// Compares a JSON document, or its failure, with Moodle's bytes.
    fn check(document: Result<Vec<u8>, JsonEncodeError>, expected: Result<&str, JsonEncodeError>) {
        let document = document.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        assert_eq!(document, expected.map(str::to_string));
    }

    #[test]
    fn rest_json_errors_spec_01_sections_1_5_and_3_11() {
        let expected = r#"{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}"#;
        for debug in [DebugLevel::None, DebugLevel::Normal, DebugLevel::Developer] {
            check(rest_json(&invalidtoken(), &moodle_4_1(debug)), Ok(expected));
        }
        check(
            rest_json(&invalidtoken(), &format(DebugLevel::None, ClassNaming::Namespaced)),
            Ok(
                r#"{"exception":"core\\exception\\moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}"#,
            ),
        );
        let access = Exception::new("webservice_access_exception", "accessexception", "webservice", "Access control exception")
            .with_debuginfo("Access to the function f() is not allowed.\n                     There could be multiple reasons for this: 7. username/password");
        check(
            rest_json(&access, &moodle_4_1(DebugLevel::Normal)),
            Ok(
                r#"{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception","debuginfo":"Access to the function f() is not allowed.\n                     There could be multiple reasons for this: 7. username\/password"}"#,
            ),
        );
        check(
            rest_json(&access, &moodle_4_1(DebugLevel::None)),
            Ok(
                r#"{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception"}"#,
            ),
        );
        let record = Exception::new(
            "dml_missing_record_exception",
            "invalidrecord",
            "error",
            "Can't find data record in database table external_functions.",
        );
        check(
            rest_json(&record, &moodle_4_1(DebugLevel::None)),
            Ok(
                r#"{"exception":"dml_missing_record_exception","errorcode":"invalidrecord","message":"Can't find data record in database table external_functions."}"#,
            ),
        );
        let missing = Exception::invalid_parameter("Missing function name");
        check(
            rest_json(&missing, &moodle_4_1(DebugLevel::Normal)),
            Ok(
                r#"{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"Missing function name"}"#,
            ),
        );
        check(
            rest_json(
                &missing,
                &ErrorFormat { developer_messages: true, ..moodle_4_1(DebugLevel::Developer) },
            ),
            Ok(
                r#"{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected (Missing function name)","debuginfo":"Missing function name"}"#,
            ),
        );
        let bad = Exception::invalid_parameter(
            r#"itemid => Invalid parameter value detected: Invalid external api parameter: the value is "abc", the server was expecting "int" type"#,
        );
        check(
            rest_json(&bad, &moodle_4_1(DebugLevel::Normal)),
            Ok(
                r#"{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"itemid => Invalid parameter value detected: Invalid external api parameter: the value is \"abc\", the server was expecting \"int\" type"}"#,
            ),
        );
        // §1.4: a debuginfo that is not UTF-8 makes json_encode fail; Moodle sends nothing.
        let binary = Exception::invalid_parameter(&b"\xff"[..]);
        check(rest_json(&binary, &moodle_4_1(DebugLevel::Normal)), Err(JsonEncodeError::Utf8));
        check(
            rest_json(&binary, &moodle_4_1(DebugLevel::None)),
            Ok(
                r#"{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected"}"#,
            ),
        );
    }

    #[test]
    fn rest_xml_errors_spec_01_sections_3_7_and_3_11() {
        let xml = |exception: &Exception, format: &ErrorFormat| {
            String::from_utf8_lossy(&rest_xml(exception, format)).into_owned()
        };
        assert_eq!(
            xml(&invalidtoken(), &moodle_4_1(DebugLevel::Normal)),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<EXCEPTION class=\"moodle_exception\">\n<ERRORCODE>invalidtoken</ERRORCODE>\n<MESSAGE>Invalid token - token not found</MESSAGE>\n</EXCEPTION>\n"
        );
        assert_eq!(
            xml(&invalidtoken(), &format(DebugLevel::None, ClassNaming::Namespaced)),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<EXCEPTION class=\"core\\exception\\moodle_exception\">\n<ERRORCODE>invalidtoken</ERRORCODE>\n<MESSAGE>Invalid token - token not found</MESSAGE>\n</EXCEPTION>\n"
        );
        let bad = Exception::invalid_parameter(
            r#"userid => Invalid parameter value detected: Invalid external api parameter: the value is "abc", the server was expecting "int" type"#,
        );
        assert_eq!(
            xml(&bad, &moodle_4_1(DebugLevel::Normal)),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<EXCEPTION class=\"invalid_parameter_exception\">\n<ERRORCODE>invalidparameter</ERRORCODE>\n<MESSAGE>Invalid parameter value detected</MESSAGE>\n<DEBUGINFO>userid =&gt; Invalid parameter value detected: Invalid external api parameter: the value is &quot;abc&quot;, the server was expecting &quot;int&quot; type</DEBUGINFO>\n</EXCEPTION>\n"
        );
        assert!(!xml(&bad, &moodle_4_1(DebugLevel::None)).contains("DEBUGINFO"));
        // §3.6: text that is not UTF-8 is printed empty.
        let binary = Exception::invalid_parameter(&b"\xff"[..]);
        assert!(
            xml(&binary, &moodle_4_1(DebugLevel::Normal)).contains("\n<DEBUGINFO></DEBUGINFO>\n")
        );
    }

    #[test]
    fn script_errors_spec_01_section_1_5() {
        let login = Exception::moodle("invalidlogin", "moodle", "Invalid login, please try again");
        let quiet = r#"{"error":"Invalid login, please try again","errorcode":"invalidlogin","stacktrace":null,"debuginfo":null,"reproductionlink":null}"#;
        check(script(&login, "* line 1 of /x.php: x\n", &moodle_4_1(DebugLevel::None)), Ok(quiet));
        check(
            script(&login, "* line 1 of /x.php: x\n", &moodle_4_1(DebugLevel::Normal)),
            Ok(quiet),
        );
        check(
            script(
                &login,
                "* line 12 of /login/token.php: moodle_exception thrown\n",
                &moodle_4_1(DebugLevel::Developer),
            ),
            Ok(
                r#"{"error":"Invalid login, please try again","errorcode":"invalidlogin","stacktrace":"* line 12 of \/login\/token.php: moodle_exception thrown\n","debuginfo":"\nError code: invalidlogin","reproductionlink":"https:\/\/site.example\/"}"#,
            ),
        );
        check(
            script(&login.clone().with_debuginfo("detail"), "", &moodle_4_1(DebugLevel::Developer)),
            Ok(
                r#"{"error":"Invalid login, please try again","errorcode":"invalidlogin","stacktrace":null,"debuginfo":"detail\nError code: invalidlogin","reproductionlink":"https:\/\/site.example\/"}"#,
            ),
        );
        // §3.8: the script shapes use the script message.
        let suspended =
            Exception::moodle("wsaccessusersuspended", "moodle", "error/wsaccessusersuspended");
        check(
            script(&suspended, "", &moodle_4_1(DebugLevel::None)),
            Ok(
                r#"{"error":"error\/wsaccessusersuspended","errorcode":"wsaccessusersuspended","stacktrace":null,"debuginfo":null,"reproductionlink":null}"#,
            ),
        );
        let unconfirmed = Exception::moodle("usernotconfirmed", "moodle", "error/usernotconfirmed")
            .with_script_message("Could not confirm anne");
        check(
            script(&unconfirmed, "", &moodle_4_1(DebugLevel::None)),
            Ok(
                r#"{"error":"Could not confirm anne","errorcode":"usernotconfirmed","stacktrace":null,"debuginfo":null,"reproductionlink":null}"#,
            ),
        );
    }

    #[test]
    fn early_errors_spec_01_section_1_5() {
        let access = Exception::moodle("requirecorrectaccess", "error", "Invalid url or port.")
            .with_debuginfo("You called h:1, you should have called h:2");
        check(
            early(&access, "", &moodle_4_1(DebugLevel::Normal)),
            Ok(
                r#"{"error":"Invalid url or port.","stacktrace":null,"debuginfo":null,"errorcode":"requirecorrectaccess"}"#,
            ),
        );
        check(
            early(&access, "", &moodle_4_1(DebugLevel::Developer)),
            Ok(
                r#"{"error":"Invalid url or port.","stacktrace":null,"debuginfo":"You called h:1, you should have called h:2\nError code: requirecorrectaccess","errorcode":"requirecorrectaccess"}"#,
            ),
        );
    }

    #[test]
    fn ajax_call_errors_spec_01_section_5_3() {
        let encode = |value: Value| json_encode_to_vec(&value);
        let login = Exception::moodle(
            "servicerequireslogin",
            "webservice",
            "Web service is not available. (The session has been logged out or has expired.)",
        );
        check(
            encode(ajax_failure(&login, "", &moodle_4_1(DebugLevel::Normal))),
            Ok(
                r#"{"error":true,"exception":{"message":"Web service is not available. (The session has been logged out or has expired.)","errorcode":"servicerequireslogin","link":"https:\/\/site.example\/","moreinfourl":"https:\/\/docs.moodle.org\/401\/en\/error\/webservice\/servicerequireslogin"}}"#,
            ),
        );
        let invalid = Exception::invalid_parameter("x");
        check(
            encode(ajax_exception(
                &invalid,
                "* line 3 of /lib.php: call to f()\n",
                &moodle_4_1(DebugLevel::Developer),
            )),
            Ok(
                r#"{"message":"Invalid parameter value detected","errorcode":"invalidparameter","backtrace":"* line 3 of \/lib.php: call to f()\n","link":"https:\/\/site.example\/","moreinfourl":"https:\/\/docs.moodle.org\/401\/en\/error\/debug\/invalidparameter","debuginfo":"x\nError code: invalidparameter"}"#,
            ),
        );
        assert_eq!(invalid.message, INVALID_PARAMETER);
        for module in ["error", "moodle", "core", ""] {
            let exception = Exception::moodle("invalidrecord", module, "x");
            assert_eq!(
                moodle_4_1(DebugLevel::None).more_info_url(&exception),
                "https://docs.moodle.org/401/en/error/moodle/invalidrecord"
            );
        }
        check(
            encode(ajax_success(Value::from("Cancel"))),
            Ok(r#"{"error":false,"data":"Cancel"}"#),
        );
    }
}
