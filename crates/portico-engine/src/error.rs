//! `CallError`: every way a call can fail, and the one table that turns it into a Moodle exception.
//!
//! Lower layers describe failures in their own terms; this module alone decides which Moodle
//! `exception`, `errorcode` and message each becomes. Protocol encoders only serialise the result.

use portico_schema::Exception;

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// A failure the function (or validation) already expressed as a Moodle exception.
    #[error("{}: {}", .0.errorcode, .0.message)]
    Moodle(Exception),
}

impl From<Exception> for CallError {
    fn from(exception: Exception) -> CallError {
        CallError::Moodle(exception)
    }
}

impl CallError {
    /// The Moodle exception a client receives for this error.
    pub fn to_exception(&self) -> Exception {
        match self {
            CallError::Moodle(exception) => exception.clone(),
        }
    }
}
