//! External functions and the call pipeline, independent of any protocol.
//!
//! [`ExternalFunction`] is how a function is declared; [`Registry`] lists them; [`invoke`] is the
//! validate–run–clean core every protocol goes through; [`CallError`] is the single table from
//! failures to Moodle exceptions.
//!
//! This crate must not know any wire encoding (form, JSON, XML, SOAP) or HTTP: protocols live in
//! `portico-protocol`.

pub mod context;
pub mod error;
pub mod function;
pub mod install;
pub mod node;
pub mod pipeline;
pub mod registry;

pub use context::{CallContext, CallSettings, RequestFacts};
pub use error::CallError;
pub use function::{
    BoxFuture, CallKind, DeclarationError, ExternalFunction, Function, FunctionInfo,
};
pub use node::Portico;
pub use pipeline::invoke;
pub use registry::Registry;
