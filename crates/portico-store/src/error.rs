//! `StoreError`: what went wrong with persistence, in terms of meaning.
//!
//! This module owns the translation from database errors (SQLSTATE codes, SQLite result codes,
//! pool timeouts) to [`StoreError`]. No code outside this crate may ever see a SQLSTATE; it must
//! match on meaning instead (`StoreError::Conflict`).

/// A failure of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("no {entity} with id {id}")]
    NotFound {
        /// Table or kind of record.
        entity: &'static str,
        /// The id that was looked up (0 when looked up by something else).
        id: i64,
    },
    /// A unique key would be violated.
    #[error("{entity} already exists")]
    Conflict {
        /// Table or kind of record.
        entity: &'static str,
    },
    /// The input cannot be stored (bad URL, value out of range, broken reference).
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// What was invalid.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// The database cannot be reached or refused the work (connection, pool timeout, I/O).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database schema is newer than this program knows.
    #[error("database schema version {found} is newer than supported version {supported}")]
    SchemaTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this program knows.
        supported: i64,
    },
    /// Any other database failure (a bug, or data this program does not understand).
    #[error("database error: {0}")]
    Internal(String),
}
