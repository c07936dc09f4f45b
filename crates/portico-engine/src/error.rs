//! `CallError`: every way a call can fail, and the one table that turns it into a Moodle exception.
//!
//! Lower layers describe failures in their own terms (`StoreError`, `AccessError`); this module
//! alone decides which Moodle `exception`, `errorcode` and message each becomes. Protocol encoders
//! only serialise the result.

use portico_access::AccessError;
use portico_schema::Exception;
use portico_store::StoreError;

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// A failure the function (or validation) already expressed as a Moodle exception.
    #[error("{}: {}", .0.errorcode, .0.message)]
    Moodle(Exception),
    /// An access check refused the call.
    #[error("access refused: {0}")]
    Access(#[from] AccessError),
    /// The database failed or a required record is missing.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
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
            CallError::Access(error) => error.exception(),
            // Moodle's MUST_EXIST lookups (spec 04 §1.5).
            CallError::Store(StoreError::NotFound { entity, .. }) => Exception::new(
                "dml_missing_record_exception",
                "invalidrecord",
                "error",
                format!("Can't find data record in database table {entity}."),
            ),
            CallError::Store(StoreError::Conflict { entity }) => Exception::new(
                "dml_write_exception",
                "dmlwriteexception",
                "error",
                "Error writing to database",
            )
            .with_debuginfo(format!("duplicate {entity}")),
            CallError::Store(error) => Exception::new(
                "dml_read_exception",
                "dmlreadexception",
                "error",
                "Error reading from database",
            )
            .with_debuginfo(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_failures_read_as_moodle_database_exceptions() {
        let missing =
            CallError::Store(StoreError::NotFound { entity: "external_functions", id: 0 });
        let exception = missing.to_exception();
        assert_eq!(
            (exception.class, exception.errorcode.as_ref()),
            ("dml_missing_record_exception", "invalidrecord")
        );
        assert_eq!(
            exception.message,
            "Can't find data record in database table external_functions."
        );
        let token = CallError::Access(AccessError::InvalidToken).to_exception();
        assert_eq!(
            (token.errorcode.as_ref(), token.message.as_str()),
            ("invalidtoken", "Invalid token - token not found")
        );
    }
}
