//! `core_webservice_get_site_info` (spec 04 §3.1): the site and the calling user, and the
//! functions the token's service can call.

use portico_engine::install::DEFAULT_VERSION;
use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::model::{CONTEXT_USER, SITEID};

use crate::support::{
    config, config_or, fullname, is_siteadmin, plugin_config_or, user_picture_url,
};

/// Return some site info / user info / list web service functions
pub struct GetSiteInfo;

/// Parameters of `core_webservice_get_site_info`.
#[derive(Debug, Describe)]
pub struct Args {
    /// DEPRECATED PARAMETER - it was a design error in the original implementation. It is
    /// ignored now.
    #[describe(default, param = AlphaNumExt)]
    pub serviceshortnames: Vec<String>,
}

/// A function the token's service can call.
#[derive(Debug, Describe)]
pub struct FunctionEntry {
    /// function name
    pub name: String,
    /// The version number of the component to which the function belongs
    #[describe(param = Text)]
    pub version: String,
}

/// An advanced feature and whether it is on.
#[derive(Debug, Describe)]
pub struct AdvancedFeature {
    /// feature name
    #[describe(param = AlphaNumExt)]
    pub name: String,
    /// feature value. Usually 1 means enabled.
    pub value: i64,
}

/// Site and user information.
#[derive(Debug, Describe)]
pub struct SiteInfo {
    /// site name
    pub sitename: String,
    /// username
    pub username: String,
    /// first name
    #[describe(param = Text)]
    pub firstname: String,
    /// last name
    #[describe(param = Text)]
    pub lastname: String,
    /// user full name
    #[describe(param = Text)]
    pub fullname: String,
    /// Current language.
    #[describe(param = Lang)]
    pub lang: String,
    /// user id
    pub userid: i64,
    /// site url
    pub siteurl: String,
    /// the user profile picture.
    #[describe(param = Url)]
    pub userpictureurl: String,
    /// functions that are available
    pub functions: Vec<FunctionEntry>,
    /// 1 if users are allowed to download files, 0 if not
    pub downloadfiles: Option<i64>,
    /// 1 if users are allowed to upload files, 0 if not
    pub uploadfiles: Option<i64>,
    /// Moodle release number
    #[describe(param = Text)]
    pub release: Option<String>,
    /// Moodle version number
    #[describe(param = Text)]
    pub version: Option<String>,
    /// Mobile custom CSS theme
    #[describe(param = Url)]
    pub mobilecssurl: Option<String>,
    /// Advanced features availability
    pub advancedfeatures: Option<Vec<AdvancedFeature>>,
    /// true if the user can manage his own files
    pub usercanmanageownfiles: Option<bool>,
    /// user quota (bytes). 0 means user can ignore the quota
    pub userquota: Option<i64>,
    /// user max upload file size (bytes). -1 means the user can ignore the upload file size
    pub usermaxuploadfilesize: Option<i64>,
    /// the default home page for the user: 0 for the site home, 1 for dashboard
    pub userhomepage: Option<i64>,
    /// Private user access key for fetching files.
    #[describe(param = AlphaNum)]
    pub userprivateaccesskey: Option<String>,
    /// Site course ID
    pub siteid: Option<i64>,
    /// Calendar type set in the site.
    #[describe(param = Plugin)]
    pub sitecalendartype: Option<String>,
    /// Calendar typed used by the user.
    #[describe(param = Plugin)]
    pub usercalendartype: Option<String>,
    /// Whether the user is a site admin or not.
    pub userissiteadmin: Option<bool>,
    /// Current theme for the user.
    #[describe(param = Theme)]
    pub theme: Option<String>,
    /// Number of concurrent sessions allowed
    pub limitconcurrentlogins: Option<i64>,
    /// Number of active sessions for current user. Only returned when limitconcurrentlogins is
    /// used.
    pub usersessionscount: Option<i64>,
}

/// The settings reported in `advancedfeatures`, each only when the site has it.
const ADVANCED_FEATURES: [&str; 9] = [
    "usecomments",
    "usetags",
    "enablenotes",
    "messaging",
    "enableblogs",
    "enablecompletion",
    "enablebadges",
    "messagingallusers",
    "enablecustomreports",
];

impl ExternalFunction for GetSiteInfo {
    const NAME: &'static str = "core_webservice_get_site_info";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str =
        "Return some site info / user info / list web service functions";
    const KIND: CallKind = CallKind::Read;
    const SERVICES: &'static [&'static str] = &["moodle_mobile_app"];
    type Args = Args;
    type Returns = SiteInfo;

    async fn execute(context: &CallContext, _: Valid<Args>) -> Result<SiteInfo, CallError> {
        // Everything here is read from the node's caches (settings, users, services, contexts),
        // which the change feed keeps current: a warm call makes no database round trip.
        let access = context.access()?;
        let userid = context.user_id();
        let facts = access
            .user(userid)
            .await?
            .filter(|facts| facts.user.deleted == 0)
            .ok_or_else(|| Exception::moodle("invaliduser", "error", "Invalid user"))?;
        let user = &facts.user;
        let sitename = access.settings().await?.site_name.clone();
        let version = config_or(context, "version", DEFAULT_VERSION).await?;

        // The function list, file flags, release and version exist only for token calls: an
        // AJAX call has no service (spec 04 §3.1).
        let mut functions = Vec::new();
        let (mut downloadfiles, mut uploadfiles, mut release, mut token_version) =
            (None, None, None, None);
        if let Some(caller) = context.caller() {
            let registry = context.registry()?;
            if let Some(entry) = access.service(caller.serviceid).await? {
                let service = &entry.service;
                let mut names: Vec<&String> = entry.functions.iter().collect();
                names.sort_unstable();
                for name in names {
                    // Functions this build does not implement are skipped, as Moodle skips
                    // functions of missing components.
                    let Some(function) = registry.get(name) else { continue };
                    let component = function.info().component.as_ref();
                    let version = if component == "moodle" {
                        version.clone()
                    } else {
                        plugin_config_or(context, component, "version", &version).await?
                    };
                    functions.push(FunctionEntry { name: name.clone(), version });
                }
                downloadfiles = Some(service.downloadfiles);
                uploadfiles = Some(service.uploadfiles);
            }
            release = Some(config_or(context, "release", "").await?);
            token_version = Some(version.clone());
        }

        let mut advancedfeatures = Vec::new();
        for name in ADVANCED_FEATURES {
            if let Some(value) = config(context, name).await? {
                advancedfeatures.push(AdvancedFeature {
                    name: name.to_owned(),
                    value: value.trim().parse().unwrap_or(0),
                });
            }
        }
        let strict = config_or(context, "mnet_dispatcher_mode", "off").await? == "strict";
        advancedfeatures.push(AdvancedFeature {
            name: "mnet_dispatcher_mode".into(),
            value: i64::from(strict),
        });

        let usercontextid = access.context_id(CONTEXT_USER, userid).await?.unwrap_or(0);
        let usercanmanageownfiles =
            context.has_capability("moodle/user:manageownfiles", usercontextid).await?;
        let userquota =
            if context.has_capability("moodle/user:ignoreuserquota", usercontextid).await? {
                0
            } else {
                config_or(context, "userquota", "104857600").await?.trim().parse().unwrap_or(0)
            };
        // `maxbytes` 0 means "no site limit"; Portico then reports no limit rather than a PHP
        // upload setting it does not have.
        let maxbytes: i64 = config_or(context, "maxbytes", "0").await?.trim().parse().unwrap_or(0);
        let usermaxuploadfilesize = if maxbytes > 0 { maxbytes } else { -1 };
        let limitconcurrentlogins: i64 =
            config_or(context, "limitconcurrentlogins", "0").await?.trim().parse().unwrap_or(0);
        let lang = if user.lang.is_empty() {
            config_or(context, "lang", "en").await?
        } else {
            user.lang.clone()
        };
        let sitecalendartype = config_or(context, "calendartype", "gregorian").await?;
        let usercalendartype = if user.calendartype.is_empty() {
            sitecalendartype.clone()
        } else {
            user.calendartype.clone()
        };
        Ok(SiteInfo {
            sitename,
            userpictureurl: user_picture_url(context, user, "f1").await?,
            fullname: fullname(user),
            username: user.username.clone(),
            firstname: user.firstname.clone(),
            lastname: user.lastname.clone(),
            lang,
            userid,
            siteurl: context.site().wwwroot.trim_end_matches('/').to_owned(),
            functions,
            downloadfiles,
            uploadfiles,
            release,
            version: token_version,
            // A core setting ($CFG->mobilecssurl), though the mobile app settings page shows it.
            mobilecssurl: Some(config_or(context, "mobilecssurl", "").await?),
            advancedfeatures: Some(advancedfeatures),
            usercanmanageownfiles: Some(usercanmanageownfiles),
            userquota: Some(userquota),
            usermaxuploadfilesize: Some(usermaxuploadfilesize),
            userhomepage: Some(
                config_or(context, "defaulthomepage", "1").await?.trim().parse().unwrap_or(1),
            ),
            userprivateaccesskey: None,
            siteid: Some(SITEID),
            sitecalendartype: Some(sitecalendartype),
            usercalendartype: Some(usercalendartype),
            userissiteadmin: Some(is_siteadmin(context, userid).await?),
            theme: Some(config_or(context, "theme", "boost").await?),
            limitconcurrentlogins: Some(limitconcurrentlogins),
            usersessionscount: if limitconcurrentlogins > 0 {
                Some(context.store()?.count_user_sessions(userid).await?)
            } else {
                None
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    backend_test!(site_info_describes_the_caller_and_its_service, |store: Store| async move {
        let site = TestSite::install(store).await;
        let caller = site.mobile_caller(site.admin.id).await;
        let info = site.call(Some(&caller), "core_webservice_get_site_info", "").await.unwrap();
        assert_eq!(field(&info, "username"), Value::from("admin"));
        assert_eq!(field(&info, "fullname"), Value::from("Admin User"));
        assert_eq!(field(&info, "userid"), Value::Int(site.admin.id));
        assert_eq!(field(&info, "siteurl"), Value::from("https://portico.example"));
        assert_eq!(field(&info, "version"), Value::from("2024100700"));
        assert_eq!(field(&info, "release"), Value::from("4.5 (Build: 20241007)"));
        assert_eq!(field(&info, "userissiteadmin"), Value::Bool(true));
        assert_eq!(field(&info, "downloadfiles"), Value::Int(1));
        assert_eq!(field(&info, "siteid"), Value::Int(1));
        assert_eq!(
            field(&info, "userpictureurl"),
            Value::from("https://portico.example/theme/image.php/boost/core/1/u/f1")
        );
        // Exactly the mobile service's functions, each with the site version.
        let Value::Array(functions) = field(&info, "functions") else { panic!("a list") };
        let names: Vec<Value> =
            functions.iter().map(|(_, function)| field(function, "name")).collect();
        let expected: Vec<Value> = crate::registry()
            .iter()
            .filter(|function| function.info().services.iter().any(|s| s == "moodle_mobile_app"))
            .map(|function| Value::from(function.info().name.as_ref()))
            .collect();
        assert!(!expected.is_empty());
        let mut sorted = names.clone();
        sorted.sort_by_key(|name| name.as_str().map(str::to_owned));
        assert_eq!(sorted, expected);
        assert!(!names.contains(&Value::from("core_user_create_users")));
    });

    backend_test!(
        site_info_lists_only_the_functions_of_a_custom_service,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let user = site.user("student1").await;
            let caller = site
                .custom_caller(
                    user.id,
                    &["core_webservice_get_site_info", "local_missing_function"],
                )
                .await;
            let info = site.call(Some(&caller), "core_webservice_get_site_info", "").await.unwrap();
            let Value::Array(functions) = field(&info, "functions") else { panic!("a list") };
            assert_eq!(functions.len(), 1);
            assert_eq!(field(&info, "userissiteadmin"), Value::Bool(false));
            assert_eq!(field(&info, "uploadfiles"), Value::Int(0));
        }
    );

    backend_test!(site_info_without_a_token_has_no_service_facts, |store: Store| async move {
        let site = TestSite::install(store).await;
        let info = site.call_as(site.admin.id, "core_webservice_get_site_info", "").await.unwrap();
        let Value::Array(info) = info else { panic!("a structure") };
        assert!(info.get_str("version").is_none());
        assert!(info.get_str("release").is_none());
        assert!(info.get_str("downloadfiles").is_none());
    });

    backend_test!(site_info_reads_the_core_mobilecssurl_setting, |store: Store| async move {
        let site = TestSite::install(store).await;
        // $CFG->mobilecssurl: a core setting, not a tool_mobile one.
        site.store().set_config("mobilecssurl", "https://example.com/app.css").await.unwrap();
        let caller = site.mobile_caller(site.admin.id).await;
        let info = site.call(Some(&caller), "core_webservice_get_site_info", "").await.unwrap();
        assert_eq!(field(&info, "mobilecssurl"), Value::from("https://example.com/app.css"));
    });
}
