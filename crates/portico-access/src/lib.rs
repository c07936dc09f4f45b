//! Allow or deny, exactly as Moodle: who may call which web-service function.
//!
//! This crate owns every access rule of Portico: password hashes ([`password`]), IP restrictions
//! ([`ip`]), roles and capabilities ([`capability`]), token generation and reuse ([`token`]), the
//! ordered checks of a token call and of `login/token.php` ([`decision`]), and the in-memory cache
//! that lets a warm call decide without a database round-trip ([`cache`]), `login/token.php`
//! on a real site ([`login`]) and the asynchronous audit log ([`events`]).
//!
//! Pure rules live in modules that do no I/O and are tested in microseconds; only [`cache`] (the
//! [`Access`] handle) talks to `portico-store`. This crate must never know about HTTP or the wire
//! encodings, and never write SQL: failures leave it as [`AccessError`], whose
//! [`AccessError::exception`] is the one table from refusal to Moodle's exception.

pub mod cache;
pub mod capability;
pub mod decision;
pub mod events;
pub mod ip;
pub mod login;
pub mod password;
pub mod password_policy;
pub mod store_source;
pub mod token;

pub use cache::{Access, Invalidation, Settings, Source};
pub use decision::{AccessError, Caller, SiteConfig};
pub use events::EventLog;
pub use login::{LoginGrant, LoginRequest};
pub use store_source::{StoreSource, watch_changes};
