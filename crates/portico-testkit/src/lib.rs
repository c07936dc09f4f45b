//! Test support for Portico: fresh, migrated databases on both backends.
//!
//! This crate is a dev-dependency only; it must never be used by production code.
