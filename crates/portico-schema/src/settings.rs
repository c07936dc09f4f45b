//! The site facts that change how parameters are cleaned and how errors read.
//!
//! Cleaning is a pure function of the value, its type and these settings; nothing here is read
//! from globals, so one process can serve several configurations and tests can vary them.

use std::collections::HashSet;
use std::sync::Arc;

/// Site settings that parameter cleaning and error messages depend on.
#[derive(Clone, Debug)]
pub struct SiteSettings {
    /// The site's base URL (`$CFG->wwwroot`), without a trailing slash; `PARAM_LOCALURL` keeps
    /// URLs under it.
    pub wwwroot: String,
    /// The language's decimal separator (`decsep`), used by `PARAM_LOCALISEDFLOAT`.
    pub decimal_separator: String,
    /// `$CFG->extendedusernamechars`: usernames may contain any character.
    pub extended_username_chars: bool,
    /// Developer debugging with `debugdisplay` on: exception messages then carry their debug
    /// information in parentheses, which changes the text of nested validation errors
    /// (spec 03 §3.2, §4.3).
    pub developer_messages: bool,
    /// Facts about installed components that some PARAM types check against.
    pub installed: Arc<Installed>,
}

impl Default for SiteSettings {
    fn default() -> SiteSettings {
        SiteSettings {
            wwwroot: "http://localhost".to_string(),
            decimal_separator: ".".to_string(),
            extended_username_chars: false,
            developer_messages: false,
            installed: Arc::new(Installed::default()),
        }
    }
}

/// What is installed on the site: `PARAM_AUTH`, `PARAM_LANG`, `PARAM_THEME` and
/// `PARAM_CAPABILITY` keep a value only if it names one of these.
#[derive(Clone, Debug)]
pub struct Installed {
    /// Authentication plugins (`manual`, `nologin`, `webservice`, …).
    pub auth_plugins: HashSet<String>,
    /// Language packs (`en`, …).
    pub languages: HashSet<String>,
    /// Themes (`boost`, `classic`, …).
    pub themes: HashSet<String>,
    /// Capabilities defined on the site (`moodle/site:config`, …).
    pub capabilities: HashSet<String>,
}

impl Default for Installed {
    /// What a standard Portico site has: Moodle's core authentication plugins, the English
    /// language pack and the core themes. Capabilities are added by the access layer.
    fn default() -> Installed {
        let set = |names: &[&str]| names.iter().map(|name| name.to_string()).collect();
        Installed {
            auth_plugins: set(&[
                "cas",
                "db",
                "email",
                "ldap",
                "lti",
                "manual",
                "mnet",
                "nologin",
                "none",
                "oauth2",
                "shibboleth",
                "webservice",
            ]),
            languages: set(&["en"]),
            themes: set(&["boost", "classic"]),
            capabilities: HashSet::new(),
        }
    }
}
