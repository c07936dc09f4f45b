//! What a function body can see of the call it serves.

use std::net::IpAddr;
use std::sync::Arc;

use portico_access::{Access, Caller, StoreSource};
use portico_schema::{Exception, SiteSettings};
use portico_store::Store;

use crate::error::CallError;
use crate::node::Portico;
use crate::registry::Registry;

/// Per-request output settings (Moodle's `external_settings`, spec 03 §9.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSettings {
    /// Return stored text unformatted.
    pub raw: bool,
    /// Run text filters on formatted text.
    pub filter: bool,
    /// Rewrite `@@PLUGINFILE@@` placeholders into URLs.
    pub fileurl: bool,
    /// The file-serving script URLs point at (`webservice/pluginfile.php` or `pluginfile.php`).
    pub file: &'static str,
    /// Language for this request (empty: the user's or the site's).
    pub lang: String,
    /// Timezone for this request (empty: the user's).
    pub timezone: String,
}

impl Default for CallSettings {
    /// The defaults of a web-service request: no filters, file URLs on, raw off.
    fn default() -> CallSettings {
        CallSettings {
            raw: false,
            filter: false,
            fileurl: true,
            file: "webservice/pluginfile.php",
            lang: String::new(),
            timezone: String::new(),
        }
    }
}

/// What a function may know of the HTTP request behind its call (spec 04 §3.4 needs them):
/// none for calls made in-process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestFacts {
    /// The `User-Agent` header, empty when absent.
    pub user_agent: String,
    /// The client's address.
    pub client_ip: Option<IpAddr>,
    /// The top-level names of the query-string parameters (`$_GET`'s keys).
    pub query_names: Vec<String>,
}

impl RequestFacts {
    /// Moodle's `core_useragent::is_moodle_app`: the user agent names the Moodle app
    /// (`MoodleMobile`, any case).
    pub fn is_moodle_app(&self) -> bool {
        self.user_agent.to_ascii_lowercase().contains("moodlemobile")
    }

    /// Whether the query string carried the parameter `name` (`isset($_GET[name])`).
    pub fn in_query(&self, name: &str) -> bool {
        self.query_names.iter().any(|query| query == name)
    }
}

/// The context of one call: who calls, on which site, with which output settings, and the
/// node's store, access checks and functions.
#[derive(Clone)]
pub struct CallContext {
    site: Arc<SiteSettings>,
    user_id: i64,
    settings: CallSettings,
    node: Option<Portico>,
    caller: Option<Caller>,
    request: Option<Arc<RequestFacts>>,
}

impl CallContext {
    /// A call by `user_id` (`0`: nobody is logged in) on `site`, with no database behind it
    /// (for pure functions and tests); see [`CallContext::with_node`].
    pub fn new(site: Arc<SiteSettings>, user_id: i64, settings: CallSettings) -> CallContext {
        CallContext { site, user_id, settings, node: None, caller: None, request: None }
    }

    /// The same context on a running node.
    pub fn with_node(mut self, node: Portico) -> CallContext {
        self.node = Some(node);
        self
    }

    /// The same context for a token call that passed access checks as `caller`.
    pub fn with_caller(mut self, caller: Caller) -> CallContext {
        self.user_id = caller.userid;
        self.caller = Some(caller);
        self
    }

    /// The same context for a call that arrived over HTTP with `facts`.
    pub fn with_request(mut self, facts: RequestFacts) -> CallContext {
        self.request = Some(Arc::new(facts));
        self
    }

    /// The HTTP request behind this call, if it came over HTTP.
    pub fn request(&self) -> Option<&RequestFacts> {
        self.request.as_deref()
    }

    /// The site's settings.
    pub fn site(&self) -> &SiteSettings {
        &self.site
    }

    /// The calling user's id, `0` when nobody is logged in.
    pub fn user_id(&self) -> i64 {
        self.user_id
    }

    /// The output settings of this request.
    pub fn settings(&self) -> &CallSettings {
        &self.settings
    }

    /// The token call's caller (token, service, restricted context); `None` for AJAX calls.
    pub fn caller(&self) -> Option<&Caller> {
        self.caller.as_ref()
    }

    /// The node this call runs on.
    pub fn node(&self) -> Result<&Portico, CallError> {
        self.node
            .as_ref()
            .ok_or_else(|| Exception::coding("this call runs without a Portico node").into())
    }

    /// The store.
    pub fn store(&self) -> Result<&Store, CallError> {
        Ok(&self.node()?.store)
    }

    /// The access checks.
    pub fn access(&self) -> Result<&Arc<Access<StoreSource>>, CallError> {
        Ok(&self.node()?.access)
    }

    /// The registered functions.
    pub fn registry(&self) -> Result<&Registry, CallError> {
        Ok(&self.node()?.registry)
    }

    /// Moodle's `has_capability` for the calling user in `contextid` (spec 05 §3.4).
    pub async fn has_capability(
        &self,
        capability: &str,
        contextid: i64,
    ) -> Result<bool, CallError> {
        Ok(self.access()?.has_capability(self.user_id, capability, contextid).await?)
    }
}
