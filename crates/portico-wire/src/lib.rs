//! Moodle's wire encodings, exact to the byte: how PHP reads a request and how Moodle writes a
//! response.
//!
//! - [`form`]: query strings and form bodies into PHP's request variables (`$_GET`, `$_POST`),
//!   with PHP's name rewriting and limits; and the bracket encoding clients send.
//! - [`json`]: PHP's `json_encode` with default flags (the REST and AJAX success path) and
//!   `json_decode($s, true)` with its error texts (the AJAX request body).
//! - [`xml`]: the REST server's XML success document, driven by the return description.
//! - [`error`]: every error document: REST JSON and XML, the AJAX-script shape and its early
//!   variant, and the AJAX per-call exception object.
//!
//! Everything here is a pure function from values to bytes or back. This crate must never do
//! I/O, depend on an async runtime, or decide which error a failure becomes: callers hand it an
//! [`Exception`](portico_schema::Exception) that is already chosen, and it only serialises.
//! Keeping it pure is what lets the byte-exact parts be tested exhaustively in milliseconds.

pub mod error;
pub mod form;
pub mod json;
pub mod xml;

pub use error::{DebugLevel, ErrorFormat};
pub use form::{FormLimits, FormReport, ParsedForm};
pub use json::{JsonDecodeError, JsonEncodeError, JsonLimits, json_decode, json_encode};
