//! The built-in external functions, one file per wire name.
//!
//! Every function is declared once (`ExternalFunction` with derived descriptions) and listed in
//! `register_all`, sorted by wire name.
