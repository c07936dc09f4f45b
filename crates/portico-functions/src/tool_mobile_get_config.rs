//! `tool_mobile_get_config` (spec 04 §3.3): the site settings the mobile app reads after login,
//! by section.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::typed::{Describe as DescribeTrait, FromValue, IntoValue};
use portico_schema::{Desc, Exception, ParamType, Valid, Value};
use portico_store::model::{SITEID, SYSTEM_CONTEXT_ID};

use crate::support::{Warning, config, config_or};

/// Returns a list of the site configurations, filtering by section.
pub struct GetConfig;

/// Parameters of `tool_mobile_get_config`.
#[derive(Debug, Describe)]
pub struct Args {
    /// Settings section name.
    #[describe(default, param = AlphaNumExt)]
    pub section: String,
}

/// One setting.
#[derive(Debug, Describe)]
pub struct Setting {
    /// The name of the setting
    pub name: String,
    /// The value of the setting
    pub value: SettingValue,
}

/// A setting's value as PHP holds it: Moodle returns it through `PARAM_RAW`, which keeps the
/// PHP type, so most values are strings but some are numbers (`summaryformat`, `numsections`,
/// defaults Moodle computes) and a hidden support contact is `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingValue(pub Value);

impl DescribeTrait for SettingValue {
    fn describe() -> Desc {
        Desc::value(ParamType::Raw, "")
    }
}

impl FromValue for SettingValue {
    fn from_value(value: Value) -> Result<SettingValue, Exception> {
        Ok(SettingValue(value))
    }
}

impl IntoValue for SettingValue {
    fn into_value(self) -> Value {
        self.0
    }
}

/// The settings and warnings.
#[derive(Debug, Describe)]
pub struct Config {
    /// Settings
    pub settings: Vec<Setting>,
    /// list of warnings
    pub warnings: Vec<Warning>,
}

/// Where a setting's value comes from.
enum Source {
    /// A site setting (`$CFG->name`), with the default of a fresh Moodle.
    Site(&'static str, &'static str),
    /// A `tool_mobile` plugin setting, with its default.
    Mobile(&'static str, &'static str),
    /// A column of the site course.
    SiteCourse,
    /// Moodle's `user_mygrades_url()` for the caller.
    MyGrades,
}

/// The sections of Moodle's newest `tool_mobile` API and their settings (spec 04 §3.3).
const SECTIONS: &[(&str, &[(&str, Source)])] = &[
    (
        "frontpagesettings",
        &[
            ("fullname", Source::SiteCourse),
            ("shortname", Source::SiteCourse),
            ("summary", Source::SiteCourse),
            ("summaryformat", Source::SiteCourse),
            ("frontpage", Source::Site("frontpage", "6")),
            ("frontpageloggedin", Source::Site("frontpageloggedin", "6")),
            ("maxcategorydepth", Source::Site("maxcategorydepth", "2")),
            ("frontpagecourselimit", Source::Site("frontpagecourselimit", "200")),
            ("numsections", Source::Site("numsections", "1")),
            ("newsitems", Source::SiteCourse),
            ("commentsperpage", Source::Site("commentsperpage", "15")),
        ],
    ),
    (
        "sitepolicies",
        &[
            ("sitepolicy", Source::Site("sitepolicy", "")),
            ("sitepolicyhandler", Source::Site("sitepolicyhandler", "")),
            ("disableuserimages", Source::Site("disableuserimages", "0")),
        ],
    ),
    ("gradessettings", &[("mygradesurl", Source::MyGrades)]),
    (
        "mobileapp",
        &[
            ("tool_mobile_forcelogout", Source::Mobile("forcelogout", "0")),
            ("tool_mobile_customlangstrings", Source::Mobile("customlangstrings", "")),
            ("tool_mobile_disabledfeatures", Source::Mobile("disabledfeatures", "")),
            ("tool_mobile_showlogoinappheader", Source::Mobile("showlogoinappheader", "0")),
            ("tool_mobile_filetypeexclusionlist", Source::Mobile("filetypeexclusionlist", "")),
            ("tool_mobile_custommenuitems", Source::Mobile("custommenuitems", "")),
            ("tool_mobile_customusermenuitems", Source::Mobile("customusermenuitems", "")),
            ("tool_mobile_scriptallowlist", Source::Mobile("scriptallowlist", "")),
            ("tool_mobile_apppolicy", Source::Mobile("apppolicy", "")),
            (
                "tool_mobile_autologinmintimebetweenreq",
                Source::Mobile("autologinmintimebetweenreq", "360"),
            ),
            ("tool_mobile_autologout", Source::Mobile("autologout", "0")),
            ("tool_mobile_autologouttime", Source::Mobile("autologouttime", "86400")),
        ],
    ),
    (
        "calendar",
        &[
            ("calendartype", Source::Site("calendartype", "gregorian")),
            ("calendar_site_timeformat", Source::Site("calendar_site_timeformat", "0")),
            ("calendar_startwday", Source::Site("calendar_startwday", "1")),
            ("calendar_adminseesall", Source::Site("calendar_adminseesall", "0")),
            ("calendar_lookahead", Source::Site("calendar_lookahead", "21")),
            ("calendar_maxevents", Source::Site("calendar_maxevents", "10")),
        ],
    ),
    (
        "coursecolors",
        &[
            ("core_admin_coursecolor1", Source::Site("core_admin_coursecolor1", "#81ecec")),
            ("core_admin_coursecolor2", Source::Site("core_admin_coursecolor2", "#74b9ff")),
            ("core_admin_coursecolor3", Source::Site("core_admin_coursecolor3", "#a29bfe")),
            ("core_admin_coursecolor4", Source::Site("core_admin_coursecolor4", "#dfe6e9")),
            ("core_admin_coursecolor5", Source::Site("core_admin_coursecolor5", "#00b894")),
            ("core_admin_coursecolor6", Source::Site("core_admin_coursecolor6", "#0984e3")),
            ("core_admin_coursecolor7", Source::Site("core_admin_coursecolor7", "#b2bec3")),
            ("core_admin_coursecolor8", Source::Site("core_admin_coursecolor8", "#fdcb6e")),
            ("core_admin_coursecolor9", Source::Site("core_admin_coursecolor9", "#fd79a8")),
            ("core_admin_coursecolor10", Source::Site("core_admin_coursecolor10", "#6c5ce7")),
        ],
    ),
    (
        "supportcontact",
        &[
            ("supportavailability", Source::Site("supportavailability", "1")),
            ("supportname", Source::Site("supportname", "")),
            ("supportemail", Source::Site("supportemail", "")),
            ("supportpage", Source::Site("supportpage", "")),
        ],
    ),
    (
        "graceperiodsettings",
        &[
            ("coursegraceperiodafter", Source::Site("coursegraceperiodafter", "0")),
            ("coursegraceperiodbefore", Source::Site("coursegraceperiodbefore", "0")),
        ],
    ),
    (
        "navigation",
        &[
            ("enablemyhome", Source::Site("enablemyhome", "1")),
            ("enabledashboard", Source::Site("enabledashboard", "1")),
            ("enablemycourses", Source::Site("enablemycourses", "1")),
        ],
    ),
    ("themesettings", &[("customusermenuitems", Source::Site("customusermenuitems", ""))]),
    ("themesettingsadvanced", &[("customusermenuitems", Source::Site("customusermenuitems", ""))]),
    (
        "locationsettings",
        &[
            ("timezone", Source::Site("timezone", "Europe/London")),
            ("forcetimezone", Source::Site("forcetimezone", "99")),
        ],
    ),
    (
        "manageglobalsearch",
        &[
            ("searchengine", Source::Site("searchengine", "simpledb")),
            ("searchenablecategories", Source::Site("searchenablecategories", "0")),
            ("searchdefaultcategory", Source::Site("searchdefaultcategory", "core-all")),
            ("searchhideallcategory", Source::Site("searchhideallcategory", "0")),
            ("searchmaxtopresults", Source::Site("searchmaxtopresults", "3")),
            ("searchbannerenable", Source::Site("searchbannerenable", "0")),
            ("searchbanner", Source::Site("searchbanner", "")),
        ],
    ),
    (
        "privacysettings",
        &[
            (
                "tool_dataprivacy_contactdataprotectionofficer",
                Source::Site("tool_dataprivacy_contactdataprotectionofficer", "0"),
            ),
            (
                "tool_dataprivacy_showdataretentionsummary",
                Source::Site("tool_dataprivacy_showdataretentionsummary", "1"),
            ),
        ],
    ),
    (
        "blog",
        &[
            ("useblogassociations", Source::Site("useblogassociations", "1")),
            ("bloglevel", Source::Site("bloglevel", "4")),
            ("blogusecomments", Source::Site("blogusecomments", "1")),
        ],
    ),
];

/// The PHP type Moodle's `api::get_config` gives `setting`: the numbers it computes or casts,
/// else the stored string (the defaults above are the strings a fresh Moodle stores).
fn php_typed(setting: &str, value: String) -> Value {
    let int = |text: &str| Value::Int(text.trim().parse().unwrap_or(0));
    match setting {
        // format_text()'s format and the site format's last section number are integers.
        "summaryformat" | "numsections" => int(&value),
        // clean_param(…, PARAM_BOOL) gives 0 or 1.
        "tool_mobile_showlogoinappheader" => {
            let text = value.trim().to_ascii_lowercase();
            let on = match text.as_str() {
                "on" | "yes" | "true" => true,
                "off" | "no" | "false" => false,
                other => !crate::user_details::php_empty(other),
            };
            Value::Int(i64::from(on))
        }
        // empty($mintimereq) ? 6 * MINSECS : $mintimereq
        "tool_mobile_autologinmintimebetweenreq" if crate::user_details::php_empty(&value) => {
            Value::Int(360)
        }
        _ => Value::from(value),
    }
}

/// Moodle's `user_mygrades_url()` for the caller: the chosen grade report's page, or the
/// external URL an administrator set, else the site itself.
async fn my_grades_url(context: &CallContext) -> Result<String, CallError> {
    let wwwroot = context.site().wwwroot.trim_end_matches('/').to_owned();
    // A fresh Moodle sets `grade_mygrades_report` to `overview`.
    let report = config_or(context, "grade_mygrades_report", "overview").await?;
    if report != "external" {
        return Ok(format!("{wwwroot}/grade/report/{report}/index.php"));
    }
    Ok(config(context, "gradereport_mygradeurl")
        .await?
        .filter(|url| !url.is_empty())
        .unwrap_or(wwwroot))
}

impl ExternalFunction for GetConfig {
    const NAME: &'static str = "tool_mobile_get_config";
    const COMPONENT: &'static str = "tool_mobile";
    const DESCRIPTION: &'static str =
        "Returns a list of the site configurations, filtering by section.";
    const KIND: CallKind = CallKind::Read;
    const SERVICES: &'static [&'static str] = &["moodle_mobile_app"];
    type Args = Args;
    type Returns = Config;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Config, CallError> {
        let section = args.into_inner().section;
        let store = context.store()?;
        let site = store.course_by_id(SITEID).await?.unwrap_or_default();
        let mut settings: Vec<Setting> = Vec::new();
        // Moodle collects the settings as properties of one object: a name met again (as
        // `customusermenuitems` of both theme sections) keeps its first place.
        let mut put = |name: &str, value: Value| match settings
            .iter_mut()
            .find(|setting| setting.name == name)
        {
            Some(setting) => setting.value = SettingValue(value),
            None => settings.push(Setting { name: name.to_owned(), value: SettingValue(value) }),
        };
        let support_disabled =
            store.get_config("supportavailability").await?.is_some_and(|value| value.trim() == "0");
        for (name, entries) in SECTIONS {
            if !section.is_empty() && section != *name {
                continue;
            }
            for (setting, source) in *entries {
                let value = match source {
                    Source::Site(config, default) => {
                        store.get_config(config).await?.unwrap_or_else(|| (*default).to_owned())
                    }
                    Source::Mobile(config, default) => store
                        .get_plugin_config("tool_mobile", config)
                        .await?
                        .unwrap_or_else(|| (*default).to_owned()),
                    Source::SiteCourse => match *setting {
                        "fullname" => site.fullname.clone(),
                        "shortname" => site.shortname.clone(),
                        "summary" => site.summary.clone().unwrap_or_default(),
                        "newsitems" => site.newsitems.to_string(),
                        _ => site.summaryformat.to_string(),
                    },
                    Source::MyGrades => my_grades_url(context).await?,
                };
                // With support disabled (CONTACT_SUPPORT_DISABLED) Moodle nulls the contact.
                let hidden = *name == "supportcontact"
                    && support_disabled
                    && *setting != "supportavailability";
                let value = if hidden { Value::Null } else { php_typed(setting, value) };
                put(setting, value);
            }
            // Only holders of moodle/site:config learn the front page role (spec 04 §3.3).
            if *name == "frontpagesettings"
                && context.has_capability("moodle/site:config", SYSTEM_CONTEXT_ID).await?
            {
                let value = store.get_config("defaultfrontpageroleid").await?.unwrap_or_default();
                put("defaultfrontpageroleid", Value::from(value));
            }
        }
        Ok(Config { settings, warnings: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    fn setting(config: &Value, name: &str) -> Option<Value> {
        let Value::Array(settings) = field(config, "settings") else { return None };
        settings
            .iter()
            .find(|(_, entry)| field(entry, "name") == Value::from(name))
            .map(|(_, entry)| field(entry, "value"))
    }

    backend_test!(config_lists_every_section, |store: Store| async move {
        let site = TestSite::install(store).await;
        let user = site.user("student1").await;
        let caller = site.mobile_caller(user.id).await;
        let config = site.call(Some(&caller), "tool_mobile_get_config", "").await.unwrap();
        assert_eq!(setting(&config, "fullname"), Some(Value::from("Portico")));
        assert_eq!(setting(&config, "sitepolicy"), Some(Value::from("")));
        assert_eq!(setting(&config, "enablemycourses"), Some(Value::from("1")));
        assert_eq!(setting(&config, "core_admin_coursecolor1"), Some(Value::from("#81ecec")));
        assert_eq!(setting(&config, "defaultfrontpageroleid"), None);
        // Moodle's user_mygrades_url() with the default overview report; the site course's
        // newsitems column.
        assert_eq!(
            setting(&config, "mygradesurl"),
            Some(Value::from("https://portico.example/grade/report/overview/index.php"))
        );
        let newsitems = site.store().course_by_id(1).await.unwrap().unwrap().newsitems;
        assert_eq!(setting(&config, "newsitems"), Some(Value::from(newsitems.to_string())));
        // PARAM_RAW keeps PHP's types: numbers where Moodle computes or casts them.
        let summaryformat = site.store().course_by_id(1).await.unwrap().unwrap().summaryformat;
        assert_eq!(setting(&config, "summaryformat"), Some(Value::Int(summaryformat)));
        assert_eq!(setting(&config, "numsections"), Some(Value::Int(1)));
        assert_eq!(setting(&config, "tool_mobile_showlogoinappheader"), Some(Value::Int(0)));
        assert_eq!(
            setting(&config, "tool_mobile_autologinmintimebetweenreq"),
            Some(Value::from("360"))
        );
        site.store().set_config("grade_mygrades_report", "external").await.unwrap();
        site.store().set_config("gradereport_mygradeurl", "https://grades.example").await.unwrap();
        let config = site
            .call(Some(&caller), "tool_mobile_get_config", "section=gradessettings")
            .await
            .unwrap();
        assert_eq!(setting(&config, "mygradesurl"), Some(Value::from("https://grades.example")));
        // An empty minimum time between auto-login requests falls back to 6 minutes, a number.
        site.store()
            .set_plugin_config("tool_mobile", "autologinmintimebetweenreq", "")
            .await
            .unwrap();
        let config =
            site.call(Some(&caller), "tool_mobile_get_config", "section=mobileapp").await.unwrap();
        assert_eq!(
            setting(&config, "tool_mobile_autologinmintimebetweenreq"),
            Some(Value::Int(360))
        );
    });

    backend_test!(config_filters_by_section, |store: Store| async move {
        let site = TestSite::install(store).await;
        let caller = site.mobile_caller(site.admin.id).await;
        let config = site
            .call(Some(&caller), "tool_mobile_get_config", "section=frontpagesettings")
            .await
            .unwrap();
        let Value::Array(settings) = field(&config, "settings") else { panic!("a list") };
        // Eleven settings, plus the front page role for an administrator.
        assert_eq!(settings.len(), 12);
        assert_eq!(setting(&config, "defaultfrontpageroleid"), Some(Value::from("8")));
        assert_eq!(setting(&config, "sitepolicy"), None);
        let error = site
            .call(Some(&caller), "tool_mobile_get_config", "section=front%20page")
            .await
            .unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
    });

    backend_test!(config_names_each_setting_once, |store: Store| async move {
        let site = TestSite::install(store).await;
        let caller = site.mobile_caller(site.admin.id).await;
        let config = site.call(Some(&caller), "tool_mobile_get_config", "").await.unwrap();
        let Value::Array(settings) = field(&config, "settings") else { panic!("a list") };
        let named = |name: &str| {
            settings.iter().filter(|(_, entry)| field(entry, "name") == Value::from(name)).count()
        };
        // Both theme sections carry customusermenuitems; Moodle's object holds it once.
        assert_eq!(named("customusermenuitems"), 1);
        // Support disabled: the contact is null.
        site.store().set_config("supportavailability", "0").await.unwrap();
        site.store().set_config("supportname", "Help desk").await.unwrap();
        let config = site
            .call(Some(&caller), "tool_mobile_get_config", "section=supportcontact")
            .await
            .unwrap();
        assert_eq!(setting(&config, "supportavailability"), Some(Value::from("0")));
        assert_eq!(setting(&config, "supportname"), Some(Value::Null));
        assert_eq!(setting(&config, "supportpage"), Some(Value::Null));
        site.store().set_config("supportavailability", "1").await.unwrap();
        let config = site
            .call(Some(&caller), "tool_mobile_get_config", "section=supportcontact")
            .await
            .unwrap();
        assert_eq!(setting(&config, "supportname"), Some(Value::from("Help desk")));
    });
}
