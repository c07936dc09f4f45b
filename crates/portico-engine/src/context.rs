//! What a function body can see of the call it serves.

use std::sync::Arc;

use portico_schema::SiteSettings;

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

/// The context of one call: who calls, on which site, with which output settings.
#[derive(Clone, Debug)]
pub struct CallContext {
    site: Arc<SiteSettings>,
    user_id: i64,
    settings: CallSettings,
}

impl CallContext {
    /// A call by `user_id` (`0`: nobody is logged in) on `site`.
    pub fn new(site: Arc<SiteSettings>, user_id: i64, settings: CallSettings) -> CallContext {
        CallContext { site, user_id, settings }
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
}
