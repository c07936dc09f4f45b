//! Moodle's web-service endpoints over HTTP.
//!
//! Each protocol decodes a request into the engine's terms (a function name, a `Value` of
//! arguments, the caller's credentials) and encodes the outcome with `portico-wire`; the steps in
//! between (access, validation, execution, cleaning) are the engine's, shared by every protocol.
//!
//! This crate must never decide access itself (that is `portico-access`), never touch SQL, and
//! never choose an error code: it only serialises the `Exception` it is handed.
