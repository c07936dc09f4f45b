//! The exceptions the HTTP layer raises itself, with Moodle's texts (spec 01 §4.4, §5.1, §5.2).
//!
//! They are facts only an endpoint can see: a missing request parameter, a wrong `sesskey`, an
//! unreadable AJAX body, a request for another host, a body beyond the limits. Everything a lower
//! layer decides (access refusals, validation, database failures) arrives as an `Exception`
//! already and is never re-coded here.

use portico_schema::Exception;

/// `missingparam`: a required parameter was not sent (`required_param`).
pub fn missing_param(name: &str) -> Exception {
    Exception::moodle("missingparam", "error", format!("A required parameter ({name}) was missing"))
}

/// `invalidsesskey`: the `sesskey` sent is not the session's.
pub fn invalid_sesskey() -> Exception {
    Exception::moodle(
        "invalidsesskey",
        "error",
        "Your session has most likely timed out. Please log in again.",
    )
}

/// `servicerequireslogin`: an AJAX call to a function that needs a logged-in session.
pub fn service_requires_login() -> Exception {
    Exception::moodle(
        "servicerequireslogin",
        "webservice",
        "Web service is not available. (The session has been logged out or has expired.)",
    )
}

/// `servicenotavailable`: an AJAX call to a function not declared for AJAX.
pub fn service_not_available() -> Exception {
    Exception::moodle(
        "servicenotavailable",
        "webservice",
        "Web service is not available. (It doesn't exist or might be disabled.)",
    )
}

/// `invalidrecord` for a function name that is not registered.
pub fn unknown_function(name: &str) -> Exception {
    Exception::new(
        "dml_missing_record_exception",
        "invalidrecord",
        "error",
        "Can't find data record in database table external_functions.",
    )
    .with_debuginfo(format!(
        "SELECT * FROM {{external_functions}} WHERE name = ?\n[array (\n  0 => '{name}',\n)]"
    ))
}

/// `codingerror` for an AJAX body that is not JSON, quoting PHP's `json_last_error_msg()`.
pub fn invalid_json(json_error: &str) -> Exception {
    Exception::coding(format!("Invalid json in request: {json_error}"))
}

/// `codingerror` for a function listed in `external_functions` that this build does not have.
pub fn function_code_missing(name: &str) -> Exception {
    Exception::coding(format!("Cannot find file with external function implementation: {name}"))
}

/// `requirecorrectaccess`: the request was addressed to another host or port than `wwwroot`'s.
/// `called` and `expected` are `host:port`; they appear at DEVELOPER level only.
pub fn require_correct_access(called: &str, expected: &str) -> Exception {
    Exception::moodle("requirecorrectaccess", "error", "Invalid url or port.")
        .with_debuginfo(format!("You called {called}, you should have called {expected}"))
}

/// A request body larger than the server accepts: PHP's `post_max_size` warning, reported as an
/// `invalidparameter` so every client library recognises it as a refused request. (PHP itself
/// drops such a body silently; Portico says why.)
pub fn body_too_large(length: u64, limit: usize) -> Exception {
    Exception::invalid_parameter(format!(
        "POST Content-Length of {length} bytes exceeds the limit of {limit} bytes"
    ))
}
