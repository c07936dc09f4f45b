//! Moodle's External API semantics, exact to the byte and free of I/O.
//!
//! A function describes its parameters and return value with [`Desc`] trees. Incoming arguments,
//! decoded into PHP-shaped [`Value`]s, are checked by [`validate_parameters`]; a function's result
//! is checked and converted by [`clean_returnvalue`]. Every failure is an [`Exception`] carrying
//! Moodle's class, error code and texts.
//!
//! This crate must never do I/O, depend on an async runtime, or know about HTTP, databases or a
//! particular wire encoding: it is the part of Portico that must be exact, so it is kept small
//! enough to test exhaustively in milliseconds.

pub mod desc;
pub mod doc;
pub mod exception;
pub mod param;
pub mod php;
pub mod settings;
pub mod typed;
pub mod valid;
pub mod validate;
pub mod value;

pub use desc::{Desc, DescKind, Field, Parameters, Required};
pub use exception::{ClassNaming, Exception};
pub use param::ParamType;
pub use settings::{Installed, SiteSettings};
pub use typed::{Describe, FromValue, IntoValue, ReturnValue};
pub use valid::Valid;
pub use validate::{clean_returnvalue, validate, validate_parameters};
pub use value::{Array, Key, PhpString, Value};
