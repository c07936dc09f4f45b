//! What an external function is: its declaration ([`FunctionInfo`]) and its body.
//!
//! Authors implement [`ExternalFunction`] on a unit struct with typed `Args` and `Returns`
//! (structs deriving `Describe`); the registry wraps it into a [`Function`], the object-safe form
//! the pipeline calls. Functions whose shape is data-driven implement [`Function`] directly with
//! hand-built descriptions.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use portico_schema::{Desc, Describe, FromValue, Parameters, ReturnValue, Valid, Value};

use crate::context::CallContext;
use crate::error::CallError;

/// A boxed future, as object-safe traits return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Moodle's `type` of a function: informational, shown in documentation and the admin UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// Reads data (`read`).
    Read,
    /// Changes data (`write`).
    Write,
}

impl CallKind {
    /// The word Moodle stores: `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Read => "read",
            CallKind::Write => "write",
        }
    }
}

/// Everything Moodle's `db/services.php` and the description methods say about a function.
#[derive(Clone, Debug)]
pub struct FunctionInfo {
    /// Wire name, e.g. `core_webservice_get_site_info`.
    pub name: Cow<'static, str>,
    /// Frankenstyle component that owns it (`moodle` for core functions, `tool_mobile`, …).
    pub component: Cow<'static, str>,
    /// Human-readable description for documentation.
    pub description: Cow<'static, str>,
    /// Read or write.
    pub kind: CallKind,
    /// Callable from the browser AJAX endpoints.
    pub ajax: bool,
    /// Capabilities the function checks (advisory: documentation and admin UI).
    pub capabilities: Vec<Cow<'static, str>>,
    /// Short names of built-in services the function belongs to (e.g. `moodle_mobile_app`).
    pub services: Vec<Cow<'static, str>>,
    /// Whether the AJAX endpoint requires a logged-in session (`loginrequired`).
    pub login_required: bool,
    /// Whether the session may stay read-only (`readonlysession`).
    pub readonly_session: bool,
    /// Deprecated: still callable, marked in documentation and the admin UI.
    pub deprecated: bool,
    /// The parameter description.
    pub parameters: Parameters,
    /// The return description; `None` sends `null` unvalidated.
    pub returns: Option<Desc>,
}

/// An external function as the pipeline sees it.
pub trait Function: Send + Sync {
    /// Its declaration.
    fn info(&self) -> &FunctionInfo;

    /// Runs the body on validated arguments; the result is cleaned by the caller.
    fn call<'a>(
        &'a self,
        context: &'a CallContext,
        args: Valid<Value>,
    ) -> BoxFuture<'a, Result<Value, CallError>>;
}

/// An external function declared once, in Rust, with typed arguments and result.
pub trait ExternalFunction: Send + Sync + 'static {
    /// Wire name.
    const NAME: &'static str;
    /// Owning component (`moodle` for core functions).
    const COMPONENT: &'static str;
    /// Description for documentation.
    const DESCRIPTION: &'static str;
    /// Read or write.
    const KIND: CallKind;
    /// Callable from the AJAX endpoints.
    const AJAX: bool = false;
    /// Capabilities the body checks (documentation only).
    const CAPABILITIES: &'static [&'static str] = &[];
    /// Built-in services that include the function.
    const SERVICES: &'static [&'static str] = &[];
    /// Whether the AJAX endpoint requires login.
    const LOGIN_REQUIRED: bool = true;
    /// Whether a read-only session suffices.
    const READONLY_SESSION: bool = false;
    /// Whether the function is deprecated.
    const DEPRECATED: bool = false;

    /// The arguments: a struct deriving `Describe` (a single structure).
    type Args: Describe + FromValue + Send;
    /// The result: a type deriving `Describe`, a `Vec` of one, or `()` for no return value.
    type Returns: ReturnValue + Send;

    /// The body.
    fn execute(
        context: &CallContext,
        args: Valid<Self::Args>,
    ) -> impl Future<Output = Result<Self::Returns, CallError>> + Send;
}

/// Why a declaration cannot be registered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeclarationError {
    /// The parameters are not a single structure.
    #[error("the parameters of {0} are not a single structure")]
    ParametersNotStructure(String),
    /// A top-level parameter is `VALUE_OPTIONAL`, which Moodle forbids (spec 03 §2.4).
    #[error(
        "the parameter {key} of {function} is optional; top-level parameters must be required or defaulted"
    )]
    OptionalParameter {
        /// The function.
        function: String,
        /// The offending key.
        key: String,
    },
    /// A structure in the parameters or the return value names a key twice.
    #[error("the description of {function} names the key {key} twice in one structure")]
    DuplicateKey {
        /// The function.
        function: String,
        /// The repeated key.
        key: String,
    },
    /// Two functions share a name.
    #[error("the function {0} is registered twice")]
    Duplicate(String),
}

/// The [`Function`] form of an [`ExternalFunction`].
pub(crate) struct Typed<F: ExternalFunction> {
    info: FunctionInfo,
    _function: std::marker::PhantomData<fn() -> F>,
}

impl<F: ExternalFunction> Typed<F> {
    pub(crate) fn new() -> Result<Typed<F>, DeclarationError> {
        let parameters = Parameters::from_desc(F::Args::describe())
            .ok_or_else(|| DeclarationError::ParametersNotStructure(F::NAME.to_string()))?;
        let statics =
            |names: &[&'static str]| names.iter().map(|name| Cow::Borrowed(*name)).collect();
        let info = FunctionInfo {
            name: Cow::Borrowed(F::NAME),
            component: Cow::Borrowed(F::COMPONENT),
            description: Cow::Borrowed(F::DESCRIPTION),
            kind: F::KIND,
            ajax: F::AJAX,
            capabilities: statics(F::CAPABILITIES),
            services: statics(F::SERVICES),
            login_required: F::LOGIN_REQUIRED,
            readonly_session: F::READONLY_SESSION,
            deprecated: F::DEPRECATED,
            parameters,
            returns: F::Returns::returns_desc(),
        };
        Ok(Typed { info, _function: std::marker::PhantomData })
    }
}

impl<F: ExternalFunction> Function for Typed<F> {
    fn info(&self) -> &FunctionInfo {
        &self.info
    }

    fn call<'a>(
        &'a self,
        context: &'a CallContext,
        args: Valid<Value>,
    ) -> BoxFuture<'a, Result<Value, CallError>> {
        Box::pin(async move {
            let args = args.into_typed::<F::Args>()?;
            let result = F::execute(context, args).await?;
            Ok(result.into_return_value())
        })
    }
}
