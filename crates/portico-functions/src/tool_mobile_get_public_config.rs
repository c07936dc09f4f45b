//! `tool_mobile_get_public_config` (spec 04 §3.2): what the mobile app needs before login,
//! callable anonymously through `service-nologin.php`.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::Valid;
use portico_store::model::SITEID;

use crate::support::{Warning, config_or, plugin_config_or};

/// Returns a list of the site public settings, those not requiring authentication.
pub struct GetPublicConfig;

/// No parameters.
#[derive(Debug, Describe)]
pub struct Args {}

/// An identity provider the login page offers.
#[derive(Debug, Describe)]
pub struct IdentityProvider {
    /// The identity provider name.
    #[describe(param = Text)]
    pub name: String,
    /// The icon URL for the provider.
    #[describe(param = Url)]
    pub iconurl: String,
    /// The URL of the provider.
    #[describe(param = Url)]
    pub url: String,
}

/// The site's public settings.
#[derive(Debug, Describe)]
pub struct PublicConfig {
    /// Site URL.
    pub wwwroot: String,
    /// Site https URL (if httpslogin is enabled).
    pub httpswwwroot: String,
    /// Site name.
    pub sitename: String,
    /// Whether guest login is enabled.
    pub guestlogin: i64,
    /// Values: 0 for No, 1 for Yes, 2 for optional.
    pub rememberusername: i64,
    /// Whether log in via email is enabled.
    pub authloginviaemail: i64,
    /// Authentication method for user registration.
    #[describe(param = Plugin)]
    pub registerauth: String,
    /// Forgotten password URL.
    #[describe(param = Url)]
    pub forgottenpasswordurl: String,
    /// Authentication instructions.
    pub authinstructions: String,
    /// Whether auth none is enabled.
    pub authnoneenabled: i64,
    /// Whether Web Services are enabled.
    pub enablewebservices: i64,
    /// Whether the Mobile service is enabled.
    pub enablemobilewebservice: i64,
    /// Whether site maintenance is enabled.
    pub maintenanceenabled: i64,
    /// Maintenance message.
    pub maintenancemessage: String,
    /// The site logo URL
    #[describe(param = Url)]
    pub logourl: Option<String>,
    /// The site compact logo URL
    #[describe(param = Url)]
    pub compactlogourl: Option<String>,
    /// The type of login. 1 for app, 2 for browser, 3 for embedded.
    pub typeoflogin: i64,
    /// SSO login launch URL.
    #[describe(param = Url)]
    pub launchurl: Option<String>,
    /// Mobile custom CSS theme
    #[describe(param = Url)]
    pub mobilecssurl: Option<String>,
    /// Disabled features in the app
    pub tool_mobile_disabledfeatures: Option<String>,
    /// Identity providers
    pub identityproviders: Option<Vec<IdentityProvider>>,
    /// Default site country
    #[describe(param = NoTags)]
    pub country: Option<String>,
    /// Whether age digital consent verification is enabled.
    pub agedigitalconsentverification: Option<bool>,
    /// Site support contact name (only if age verification is enabled).
    #[describe(param = NoTags)]
    pub supportname: Option<String>,
    /// Site support contact email (only if age verification is enabled).
    #[describe(param = Email)]
    pub supportemail: Option<String>,
    /// Site support page link.
    #[describe(param = Url)]
    pub supportpage: Option<String>,
    /// Determines who has access to contact site support.
    pub supportavailability: Option<i64>,
    /// Whether to detect default language from browser setting.
    pub autolang: Option<i64>,
    /// Default language for the site.
    #[describe(param = Lang)]
    pub lang: Option<String>,
    /// Whether the language menu should be displayed.
    pub langmenu: Option<i64>,
    /// Languages on language menu.
    pub langlist: Option<String>,
    /// Sitewide locale.
    pub locale: Option<String>,
    /// Minimum required version to access.
    #[describe(param = NoTags)]
    pub tool_mobile_minimumversion: Option<String>,
    /// iOS app's unique identifier.
    #[describe(param = AlphaNum)]
    pub tool_mobile_iosappid: Option<String>,
    /// Android app's unique identifier.
    #[describe(param = NoTags)]
    pub tool_mobile_androidappid: Option<String>,
    /// App download page.
    #[describe(param = Url)]
    pub tool_mobile_setuplink: Option<String>,
    /// QR login configuration.
    pub tool_mobile_qrcodetype: Option<i64>,
    /// list of warnings (Moodle declares it here, before the keys added later)
    pub warnings: Vec<Warning>,
    /// Display default login form.
    pub showloginform: i64,
    /// Whether MFA is enabled for the site.
    pub tool_mfa_enabled: Option<bool>,
    /// Whether login reCAPTCHA is enabled.
    pub enableloginrecaptcha: Option<bool>,
    /// Whether forgot password reCAPTCHA is enabled.
    pub enableforgotpasswordrecaptcha: Option<bool>,
}

async fn int_config(context: &CallContext, name: &str, default: &str) -> Result<i64, CallError> {
    Ok(config_or(context, name, default).await?.trim().parse().unwrap_or(0))
}

impl ExternalFunction for GetPublicConfig {
    const NAME: &'static str = "tool_mobile_get_public_config";
    const COMPONENT: &'static str = "tool_mobile";
    const DESCRIPTION: &'static str =
        "Returns a list of the site public settings, those not requiring authentication.";
    const KIND: CallKind = CallKind::Read;
    const AJAX: bool = true;
    const LOGIN_REQUIRED: bool = false;
    const SERVICES: &'static [&'static str] = &["moodle_mobile_app"];
    type Args = Args;
    type Returns = PublicConfig;

    async fn execute(context: &CallContext, _: Valid<Args>) -> Result<PublicConfig, CallError> {
        let store = context.store()?;
        let wwwroot = context.site().wwwroot.trim_end_matches('/').to_owned();
        let sitename =
            store.course_by_id(SITEID).await?.map(|course| course.fullname).unwrap_or_default();
        let auths = config_or(context, "auth", "email").await?;
        let authnoneenabled = auths.split(',').any(|auth| auth.trim() == "none");
        // CONTACT_SUPPORT_ANYONE (2): the support contact is public; the default is
        // CONTACT_SUPPORT_AUTHENTICATED (1).
        let supportavailability = int_config(context, "supportavailability", "1").await?;
        let support_public = supportavailability == 2;
        let (supportname, supportemail) = if support_public {
            (
                Some(config_or(context, "supportname", "").await?),
                Some(config_or(context, "supportemail", "").await?),
            )
        } else {
            (None, None)
        };
        let supportpage = if support_public {
            config_or(context, "supportpage", "").await?
        } else {
            String::new()
        };
        Ok(PublicConfig {
            httpswwwroot: wwwroot.clone(),
            launchurl: Some(format!("{wwwroot}/admin/tool/mobile/launch.php")),
            wwwroot,
            sitename,
            guestlogin: int_config(context, "guestloginbutton", "0").await?,
            rememberusername: int_config(context, "rememberusername", "2").await?,
            authloginviaemail: int_config(context, "authloginviaemail", "0").await?,
            registerauth: config_or(context, "registerauth", "").await?,
            forgottenpasswordurl: config_or(context, "forgottenpasswordurl", "").await?,
            authinstructions: config_or(context, "auth_instructions", "").await?,
            authnoneenabled: i64::from(authnoneenabled),
            enablewebservices: int_config(context, "enablewebservices", "0").await?,
            enablemobilewebservice: int_config(context, "enablemobilewebservice", "0").await?,
            maintenanceenabled: int_config(context, "maintenance_enabled", "0").await?,
            maintenancemessage: config_or(context, "maintenance_message", "").await?,
            logourl: None,
            compactlogourl: None,
            typeoflogin: plugin_config_or(context, "tool_mobile", "typeoflogin", "1")
                .await?
                .trim()
                .parse()
                .unwrap_or(1),
            // A core setting ($CFG->mobilecssurl), though the mobile app settings page shows it.
            mobilecssurl: Some(config_or(context, "mobilecssurl", "").await?),
            tool_mobile_disabledfeatures: Some(
                plugin_config_or(context, "tool_mobile", "disabledfeatures", "").await?,
            ),
            // Moodle sends the key only when some identity provider is enabled.
            identityproviders: None,
            country: Some(config_or(context, "country", "").await?),
            agedigitalconsentverification: Some(false),
            supportname,
            supportemail,
            supportpage: Some(supportpage),
            supportavailability: Some(supportavailability),
            autolang: Some(int_config(context, "autolang", "1").await?),
            lang: Some(config_or(context, "lang", "en").await?),
            langmenu: Some(int_config(context, "langmenu", "1").await?),
            langlist: Some(config_or(context, "langlist", "").await?),
            // $CFG->locale, the site-wide locale setting ('' on a fresh site), not the
            // language pack's `locale` string.
            locale: Some(config_or(context, "locale", "").await?),
            tool_mobile_minimumversion: Some(
                plugin_config_or(context, "tool_mobile", "minimumversion", "").await?,
            ),
            tool_mobile_iosappid: Some(
                plugin_config_or(context, "tool_mobile", "iosappid", "633359593").await?,
            ),
            tool_mobile_androidappid: Some(
                plugin_config_or(context, "tool_mobile", "androidappid", "com.moodle.moodlemobile")
                    .await?,
            ),
            tool_mobile_setuplink: Some(
                plugin_config_or(
                    context,
                    "tool_mobile",
                    "setuplink",
                    "https://download.moodle.org/mobile",
                )
                .await?,
            ),
            tool_mobile_qrcodetype: Some(
                plugin_config_or(context, "tool_mobile", "qrcodetype", "0")
                    .await?
                    .trim()
                    .parse()
                    .unwrap_or(0),
            ),
            warnings: Vec::new(),
            showloginform: int_config(context, "showloginform", "1").await?,
            tool_mfa_enabled: Some(false),
            enableloginrecaptcha: Some(false),
            enableforgotpasswordrecaptcha: Some(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::{Array, Value};
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    backend_test!(public_config_works_without_login, |store: Store| async move {
        let site = TestSite::install(store).await;
        let config = site.call(None, "tool_mobile_get_public_config", "").await.unwrap();
        assert_eq!(field(&config, "wwwroot"), Value::from("https://portico.example"));
        assert_eq!(field(&config, "httpswwwroot"), Value::from("https://portico.example"));
        assert_eq!(field(&config, "sitename"), Value::from("Portico"));
        assert_eq!(field(&config, "enablewebservices"), Value::Int(1));
        assert_eq!(field(&config, "enablemobilewebservice"), Value::Int(1));
        assert_eq!(field(&config, "maintenanceenabled"), Value::Int(0));
        assert_eq!(field(&config, "typeoflogin"), Value::Int(1));
        assert_eq!(field(&config, "showloginform"), Value::Int(1));
        assert_eq!(
            field(&config, "launchurl"),
            Value::from("https://portico.example/admin/tool/mobile/launch.php")
        );
        assert_eq!(field(&config, "warnings"), Value::Array(Array::new()));
    });

    backend_test!(public_config_reports_maintenance, |store: Store| async move {
        let site = TestSite::install(store).await;
        site.store().set_config("maintenance_enabled", "1").await.unwrap();
        site.store().set_config("maintenance_message", "<p>Back soon</p>").await.unwrap();
        let config = site.call(None, "tool_mobile_get_public_config", "").await.unwrap();
        assert_eq!(field(&config, "maintenanceenabled"), Value::Int(1));
        assert_eq!(field(&config, "maintenancemessage"), Value::from("<p>Back soon</p>"));
    });

    backend_test!(public_config_refuses_parameters, |store: Store| async move {
        let site = TestSite::install(store).await;
        let error = site.call(None, "tool_mobile_get_public_config", "x=1").await.unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
    });

    backend_test!(public_config_keys_follow_moodles_order, |store: Store| async move {
        let site = TestSite::install(store).await;
        let config = site.call(None, "tool_mobile_get_public_config", "").await.unwrap();
        let Value::Array(keys) = &config else { panic!("{config:?}") };
        let keys: Vec<String> = keys.keys().map(|key| key.to_string()).collect();
        let position = |key: &str| keys.iter().position(|k| k == key);
        // Moodle declares `warnings` before the keys added in later releases.
        assert!(position("tool_mobile_qrcodetype") < position("warnings"));
        assert!(position("warnings") < position("showloginform"));
        assert_eq!(keys.last().map(String::as_str), Some("enableforgotpasswordrecaptcha"));
        // No identity provider: no key. Support contact not public: page '' and no name.
        assert_eq!(position("identityproviders"), None);
        assert_eq!(position("supportname"), None);
        assert_eq!(field(&config, "supportpage"), Value::from(""));
        assert_eq!(field(&config, "supportavailability"), Value::Int(1));
        assert_eq!(field(&config, "locale"), Value::from(""));
        assert!(position("agedigitalconsentverification") < position("supportpage"));
        assert!(position("supportavailability") < position("autolang"));
        site.store().set_config("mobilecssurl", "https://example.com/app.css").await.unwrap();
        site.store().set_config("supportavailability", "2").await.unwrap();
        site.store().set_config("supportname", "Help desk").await.unwrap();
        site.store().set_config("supportemail", "help@example.com").await.unwrap();
        site.store().set_config("supportpage", "https://example.com/help").await.unwrap();
        let config = site.call(None, "tool_mobile_get_public_config", "").await.unwrap();
        assert_eq!(field(&config, "supportname"), Value::from("Help desk"));
        assert_eq!(field(&config, "mobilecssurl"), Value::from("https://example.com/app.css"));
        assert_eq!(field(&config, "supportemail"), Value::from("help@example.com"));
        assert_eq!(field(&config, "supportpage"), Value::from("https://example.com/help"));
    });
}
