//! Moodle's exception as a client sees it: class, error code, message and debug information.
//!
//! Every failure Portico reports, whichever layer raised it, reaches the wire as an [`Exception`];
//! the protocol encoders only serialise it. The English texts are facts of the protocol
//! (spec README, decision 5) and are built where the failure is understood.

use std::borrow::Cow;

use crate::value::PhpString;

/// A Moodle exception: what the REST, AJAX and script error documents are made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Exception {
    /// The global (pre-4.5) PHP class name, e.g. `invalid_parameter_exception`;
    /// [`Exception::class_name`] gives the name a given Moodle version reports.
    pub class: &'static str,
    /// Moodle's error code, e.g. `invalidparameter`; almost always a fixed word, but Moodle
    /// also raises errors whose code is a computed text (the password-policy failure's code is
    /// the HTML list of unmet rules).
    pub errorcode: Cow<'static, str>,
    /// The language module of the error string, e.g. `debug`, `error`, `webservice`.
    pub module: &'static str,
    /// The English error string, without debug information.
    pub message: String,
    /// The text AJAX-script endpoints show when it differs from `message`: those look the code
    /// up in the main `moodle` language file too (spec 01 §3.8).
    pub script_message: Option<Box<str>>,
    /// Free-text detail for developers; shown to clients only at the site's debug levels.
    pub debuginfo: Option<PhpString>,
}

/// Which spelling of exception class names to report (spec 01 §3.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClassNaming {
    /// Moodle 4.5 and later: `core\exception\moodle_exception` and friends.
    #[default]
    Namespaced,
    /// Moodle 4.0 to 4.4: the global names.
    Global,
}

/// The message of `invalid_parameter_exception`.
pub const INVALID_PARAMETER: &str = "Invalid parameter value detected";
/// The message of `invalid_response_exception`.
pub const INVALID_RESPONSE: &str = "Invalid response value detected";

impl Exception {
    /// An exception of `class` with `errorcode` in `module` and its English `message`.
    pub fn new(
        class: &'static str,
        errorcode: impl Into<Cow<'static, str>>,
        module: &'static str,
        message: impl Into<String>,
    ) -> Exception {
        Exception {
            class,
            errorcode: errorcode.into(),
            module,
            message: message.into(),
            script_message: None,
            debuginfo: None,
        }
    }

    /// A `moodle_exception` with `errorcode` in `module`.
    pub fn moodle(
        errorcode: impl Into<Cow<'static, str>>,
        module: &'static str,
        message: impl Into<String>,
    ) -> Exception {
        Exception::new("moodle_exception", errorcode, module, message)
    }

    /// `invalid_parameter_exception` with this debug information.
    pub fn invalid_parameter(debuginfo: impl Into<PhpString>) -> Exception {
        Exception::new(
            "invalid_parameter_exception",
            "invalidparameter",
            "debug",
            INVALID_PARAMETER,
        )
        .with_debuginfo(debuginfo)
    }

    /// `invalid_response_exception` with this debug information.
    pub fn invalid_response(debuginfo: impl Into<PhpString>) -> Exception {
        Exception::new("invalid_response_exception", "invalidresponse", "debug", INVALID_RESPONSE)
            .with_debuginfo(debuginfo)
    }

    /// `coding_exception`: a defect in Portico or in a function, never the client's fault.
    pub fn coding(detail: impl Into<String>) -> Exception {
        Exception::new(
            "coding_exception",
            "codingerror",
            "debug",
            format!("Coding error detected, it must be fixed by a programmer: {}", detail.into()),
        )
    }

    /// The same exception with debug information attached.
    pub fn with_debuginfo(mut self, debuginfo: impl Into<PhpString>) -> Exception {
        self.debuginfo = Some(debuginfo.into());
        self
    }

    /// The same exception with a different text for AJAX-script endpoints.
    pub fn with_script_message(mut self, message: impl Into<String>) -> Exception {
        self.script_message = Some(message.into().into_boxed_str());
        self
    }

    /// The message as Moodle stores it in the exception: the error string, followed by
    /// ` (<debuginfo>)` when there is debug information and the site shows developer messages
    /// (spec 03 §3.2). This is what the REST server sends and what nested validation errors quote.
    pub fn full_message(&self, developer_messages: bool) -> PhpString {
        let mut message = PhpString::from(self.message.as_str());
        if developer_messages
            && let Some(debuginfo) = self.debuginfo.as_ref().filter(|d| !d.is_empty())
        {
            message.extend_from_slice(b" (");
            message.extend_from_slice(debuginfo);
            message.push(b')');
        }
        message
    }

    /// The message AJAX-script endpoints and AJAX per-call errors show (spec 01 §1.5).
    pub fn script_message(&self) -> &str {
        self.script_message.as_deref().unwrap_or(&self.message)
    }

    /// The PHP class name this exception reports under `naming`.
    pub fn class_name(&self, naming: ClassNaming) -> Cow<'_, str> {
        const MOVED_IN_4_5: [&str; 6] = [
            "moodle_exception",
            "invalid_parameter_exception",
            "invalid_response_exception",
            "required_capability_exception",
            "require_login_exception",
            "coding_exception",
        ];
        if self.class == "restricted_context_exception" {
            return Cow::Borrowed("core_external\\restricted_context_exception");
        }
        if naming == ClassNaming::Namespaced && MOVED_IN_4_5.contains(&self.class) {
            return Cow::Owned(format!("core\\exception\\{}", self.class));
        }
        Cow::Borrowed(self.class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn developer_messages_carry_debuginfo_spec_03_section_3_2() {
        let exception = Exception::invalid_parameter("Missing function name");
        assert_eq!(exception.full_message(false), "Invalid parameter value detected");
        assert_eq!(
            exception.full_message(true),
            "Invalid parameter value detected (Missing function name)"
        );
        let plain =
            Exception::moodle("invalidtoken", "webservice", "Invalid token - token not found");
        assert_eq!(plain.full_message(true), "Invalid token - token not found");
    }

    #[test]
    fn class_names_by_version_spec_01_section_3_9() {
        let exception = Exception::invalid_parameter("x");
        assert_eq!(exception.class_name(ClassNaming::Global), "invalid_parameter_exception");
        assert_eq!(
            exception.class_name(ClassNaming::Namespaced),
            "core\\exception\\invalid_parameter_exception"
        );
        let access = Exception::new("webservice_access_exception", "accessexception", "error", "x");
        assert_eq!(access.class_name(ClassNaming::Namespaced), "webservice_access_exception");
        let restricted = Exception::new(
            "restricted_context_exception",
            "restrictedcontextexception",
            "error",
            "x",
        );
        assert_eq!(
            restricted.class_name(ClassNaming::Global),
            "core_external\\restricted_context_exception"
        );
    }
}
