//! Access decisions on a real store, on SQLite and PostgreSQL (`backend_test!`): the token-call
//! checks of spec 02 §3, `login/token.php` (§5, 01 §4.4), lock-out (§11), the event log (§10)
//! and cache invalidation across two store handles on one database.

#[allow(dead_code)]
mod common;
mod events;
mod invalidation;
mod login;
mod token_call;
