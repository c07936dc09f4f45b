//! Persistence for Portico: Moodle's own schema, on SQLite or PostgreSQL.
//!
//! [`Store`] is the only way the rest of Portico reaches the database. It speaks of users, tokens,
//! services and roles ([`model`]), never of SQL; errors are [`StoreError`]s that speak of meaning.
//!
//! This crate owns every SQL statement of Portico. It must never decide access (that is
//! `portico-access`), never know about HTTP or the wire protocol, and never leak SQLSTATE codes.

pub mod error;
pub mod model;

pub use error::StoreError;
