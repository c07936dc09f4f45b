//! What several functions share: Moodle's `require_capability`, `validate_context`, site-admin
//! checks, the warnings structure, capability display names and site settings with defaults.
//!
//! This module owns the exact texts of the errors those helpers raise (spec 02 §8, 04 §1.5). It
//! must never hold one function's business rules, and never write to the store.

use portico_engine::{CallContext, CallError};
use portico_macros::Describe;
use portico_schema::Exception;
use portico_store::model::{CONTEXT_COURSE, Context, SYSTEM_CONTEXT_ID};

/// One warning of Moodle's `external_warnings` list (spec 03 §9.1); a field of that type is
/// declared `#[describe(optional)]` with the text "list of warnings", as Moodle's list is
/// `VALUE_OPTIONAL`.
#[derive(Debug, Clone, PartialEq, Describe)]
#[describe(desc = "warning")]
pub struct Warning {
    /// item
    #[describe(param = Text)]
    pub item: Option<String>,
    /// item id
    pub itemid: Option<i64>,
    /// the warning code can be used by the client app to implement specific behaviour
    #[describe(param = AlphaNum)]
    pub warningcode: String,
    /// untranslated english message to explain the warning
    pub message: String,
}

impl Warning {
    /// A warning about `item` number `itemid`.
    pub fn new(item: &str, itemid: i64, warningcode: &str, message: impl Into<String>) -> Warning {
        Warning {
            item: Some(item.to_owned()),
            itemid: Some(itemid),
            warningcode: warningcode.to_owned(),
            message: message.into(),
        }
    }
}

/// The English name Moodle shows for a capability (`lang/en/role.php`, `get_capability_string`);
/// the capability itself when Portico knows no name for it.
pub fn capability_name(capability: &str) -> &str {
    match capability {
        "moodle/user:create" => "Create users",
        "moodle/user:update" => "Update user profiles",
        "moodle/user:delete" => "Delete users",
        "moodle/user:viewdetails" => "View user profiles",
        "moodle/user:viewalldetails" => "View user full information",
        "moodle/user:viewhiddendetails" => "View hidden details of users",
        "moodle/user:manageownfiles" => "Manage files on own private file areas",
        "moodle/course:create" => "Create courses",
        "moodle/course:update" => "Update course settings",
        "moodle/course:delete" => "Delete courses",
        "moodle/course:view" => "View courses without participation",
        "moodle/course:viewhiddencourses" => "View hidden courses",
        "moodle/course:viewparticipants" => "View participants",
        "moodle/course:visibility" => "Hide/show courses",
        "moodle/course:changecategory" => "Change course category",
        "moodle/course:changefullname" => "Change course full name",
        "moodle/course:changeshortname" => "Change course short name",
        "moodle/course:changeidnumber" => "Change course ID number",
        "moodle/course:changesummary" => "Change course summary",
        "moodle/course:setforcedlanguage" => "Force course language",
        "moodle/course:managegroups" => "Manage groups",
        "moodle/course:useremail" => "Enable/disable email address",
        "moodle/category:manage" => "Manage categories",
        "moodle/category:viewhiddencategories" => "See hidden categories",
        "moodle/category:viewcourselist" => "View course list",
        "moodle/role:assign" => "Assign roles to users",
        "moodle/cohort:manage" => "Create, delete and move cohorts",
        "moodle/cohort:assign" => "Add and remove cohort members",
        "moodle/cohort:view" => "View site-wide cohorts",
        "moodle/site:config" => "Change site configuration",
        "moodle/site:accessallgroups" => "Access all groups",
        "moodle/role:review" => "Review permissions for others",
        "moodle/course:enrolreview" => "Review course enrolments",
        "moodle/site:viewparticipants" => "View participants",
        "enrol/manual:enrol" => "Enrol users",
        "enrol/manual:unenrol" => "Unenrol users from the course",
        other => other,
    }
}

/// `required_capability_exception` for `capability` (spec 02 §8.2); it carries no debug
/// information.
pub fn nopermissions(capability: &str) -> CallError {
    Exception::new(
        "required_capability_exception",
        "nopermissions",
        "error",
        format!(
            "Sorry, but you do not currently have permissions to do that ({}).",
            capability_name(capability)
        ),
    )
    .into()
}

/// Moodle's `require_capability`: the caller holds `capability` in `contextid`, or the call
/// fails with `nopermissions`.
pub async fn require_capability(
    context: &CallContext,
    capability: &str,
    contextid: i64,
) -> Result<(), CallError> {
    if context.has_capability(capability, contextid).await? {
        Ok(())
    } else {
        Err(nopermissions(capability))
    }
}

/// The site administrators' ids (`$CFG->siteadmins`).
pub async fn siteadmins(context: &CallContext) -> Result<Vec<i64>, CallError> {
    let settings = context.access()?.settings().await?;
    let list = settings.get("siteadmins").unwrap_or_default();
    Ok(list.split(',').filter_map(|id| id.trim().parse().ok()).collect())
}

/// Whether `userid` is a site administrator.
pub async fn is_siteadmin(context: &CallContext, userid: i64) -> Result<bool, CallError> {
    Ok(userid != 0 && siteadmins(context).await?.contains(&userid))
}

/// The site setting `name`, or `default` when it is not set (from the node's settings cache,
/// which the change feed keeps current: no database round trip on a warm call).
pub async fn config_or(
    context: &CallContext,
    name: &str,
    default: &str,
) -> Result<String, CallError> {
    let settings = context.access()?.settings().await?;
    Ok(settings.get(name).unwrap_or(default).to_owned())
}

/// The site setting `name`, if set (from the node's settings cache).
pub async fn config(context: &CallContext, name: &str) -> Result<Option<String>, CallError> {
    Ok(context.access()?.settings().await?.get(name).map(str::to_owned))
}

/// The plugin setting `plugin`/`name`, or `default` when it is not set.
pub async fn plugin_config_or(
    context: &CallContext,
    plugin: &str,
    name: &str,
    default: &str,
) -> Result<String, CallError> {
    let settings = context.access()?.settings().await?;
    Ok(settings.plugin(plugin, name).unwrap_or(default).to_owned())
}

/// `restricted_context_exception` (spec 02 §8.1 step 2).
fn restricted_context() -> CallError {
    Exception::new(
        "restricted_context_exception",
        "restrictedcontextexception",
        "error",
        "Sorry, execution of external function violates context restriction.",
    )
    .into()
}

/// `require_login_exception` for a course the caller cannot enter (spec 05 §3.6).
pub fn require_login_error(debuginfo: &str) -> CallError {
    Exception::new(
        "require_login_exception",
        "requireloginerror",
        "error",
        "Course or activity not accessible.",
    )
    .with_debuginfo(debuginfo)
    .into()
}

/// Moodle's `validate_context` (spec 02 §8.1, 05 §3.6): the context must lie within the
/// token's restricted context, and a course context must be enterable by the caller.
pub async fn validate_context(context: &CallContext, target: &Context) -> Result<(), CallError> {
    let restriction = context.caller().map_or(SYSTEM_CONTEXT_ID, |caller| caller.contextid);
    if restriction != target.id {
        let store = context.store()?;
        let Some(restricted) = store.context_by_id(restriction).await? else {
            return Err(restricted_context());
        };
        let prefix = format!("{}/", restricted.path.as_deref().unwrap_or_default());
        let inside = target.path.as_deref().is_some_and(|path| path.starts_with(&prefix));
        if !inside {
            return Err(restricted_context());
        }
    }
    if target.contextlevel == CONTEXT_COURSE {
        require_course_login(context, target).await?;
    }
    Ok(())
}

/// Entering a course (spec 05 §3.6): the site course needs only a login; any other course must
/// be visible (or the caller may see hidden courses) and the caller must be actively enrolled
/// or hold `moodle/course:view`.
pub async fn require_course_login(
    context: &CallContext,
    course_context: &Context,
) -> Result<(), CallError> {
    let store = context.store()?;
    let courseid = course_context.instanceid;
    if courseid == portico_store::model::SITEID {
        return Ok(());
    }
    let Some(course) = store.course_by_id(courseid).await? else {
        return Err(require_login_error("Invalid course id"));
    };
    if course.visible == 0
        && !context.has_capability("moodle/course:viewhiddencourses", course_context.id).await?
    {
        return Err(require_login_error("Course is hidden"));
    }
    if context.has_capability("moodle/course:view", course_context.id).await? {
        return Ok(());
    }
    if store.is_enrolled(courseid, context.user_id(), true, crate::now()).await? {
        return Ok(());
    }
    Err(require_login_error("Not enrolled"))
}

/// Moodle's `errorinvalidparam` (module `webservice`): the function refuses the value of
/// parameter `name`.
pub fn invalid_param(name: &str) -> CallError {
    Exception::moodle(
        "errorinvalidparam",
        "webservice",
        format!("The param \"{name}\" is invalid."),
    )
    .into()
}

/// Moodle's `util::validate_format` (spec 03 §3.5, §9.3): `format` must be one of Moodle's
/// four text formats. The string `formatnotsupported` is missing from Moodle's `webservice`
/// language file, so `moodle_exception` shows `module/errorcode` instead.
pub fn validate_format(format: i64) -> Result<(), CallError> {
    if [0, 1, 2, 4].contains(&format) {
        return Ok(());
    }
    Err(Exception::moodle("formatnotsupported", "webservice", "webservice/formatnotsupported")
        .with_debuginfo(format!(
            "The format with value={format} is not supported by this Moodle site"
        ))
        .into())
}

/// The context of category `categoryid`, if the category exists.
pub async fn category_context(
    context: &CallContext,
    categoryid: i64,
) -> Result<Option<Context>, CallError> {
    let store = context.store()?;
    Ok(store.context_by_instance(portico_store::model::CONTEXT_COURSECAT, categoryid).await?)
}

/// The profile picture URL of size `size` (`f1`, `f2`) of a user (spec 04 §4.0): the user's
/// picture when there is one, the theme's default image otherwise.
pub async fn user_picture_url(
    context: &CallContext,
    user: &portico_store::model::User,
    size: &str,
) -> Result<String, CallError> {
    let wwwroot = &context.site().wwwroot;
    let theme = config_or(context, "theme", "boost").await?;
    if user.picture > 0
        && let Some(usercontextid) =
            context.access()?.context_id(portico_store::model::CONTEXT_USER, user.id).await?
    {
        return Ok(format!(
            "{wwwroot}/pluginfile.php/{usercontextid}/user/icon/{theme}/{size}?rev={}",
            user.picture
        ));
    }
    let themerev = config_or(context, "themerev", "1").await?;
    Ok(format!("{wwwroot}/theme/image.php/{theme}/core/{themerev}/u/{size}"))
}

/// A user's full name as Moodle's default `fullnamedisplay` shows it: first name, last name.
pub fn fullname(user: &portico_store::model::User) -> String {
    format!("{} {}", user.firstname, user.lastname)
}

/// The enrolment instances a new course gets (Moodle's `add_default_instance` of each enabled
/// plugin, in `enrol_plugins_enabled` order, for plugins whose `defaultenrol` is on): manual
/// enabled with the student role, guest disabled, self disabled with the student role; cohort
/// sync adds none. The instance fields follow each plugin's `get_instance_defaults`; its
/// settings (`enrol_<name>/defaultenrol`, `status`, `roleid`, `enrolperiod`, `expirynotify`,
/// `expirythreshold`, and for self enrolment `groupkey`, `longtimenosee`, `maxenrolled`,
/// `sendcoursewelcomemessage`, `newenrols`) override Moodle's defaults.
pub fn default_enrols(settings: &portico_access::Settings) -> Vec<portico_store::DefaultEnrol> {
    let enabled = settings.get("enrol_plugins_enabled").unwrap_or("manual,guest,self,cohort");
    enabled
        .split(',')
        .map(str::trim)
        .filter_map(|name| {
            let (defaultenrol, status, roleid) = match name {
                "manual" => (1, 0, 5),
                "guest" => (1, 1, 0),
                "self" => (1, 1, 5),
                _ => return None,
            };
            let plugin = format!("enrol_{name}");
            let setting = |key: &str, default: i64| {
                settings.plugin(&plugin, key).and_then(|v| v.trim().parse().ok()).unwrap_or(default)
            };
            let customint = match name {
                "self" => [
                    Some(setting("groupkey", 0)),
                    Some(setting("longtimenosee", 0)),
                    Some(setting("maxenrolled", 0)),
                    Some(setting("sendcoursewelcomemessage", 1)),
                    Some(0),
                    Some(setting("newenrols", 1)),
                ],
                _ => [None; 6],
            };
            let with_period = name != "guest";
            (setting("defaultenrol", defaultenrol) == 1).then(|| portico_store::DefaultEnrol {
                enrol: name.to_owned(),
                status: setting("status", status),
                roleid: setting("roleid", roleid),
                enrolperiod: if with_period { setting("enrolperiod", 0) } else { 0 },
                expirynotify: if with_period { setting("expirynotify", 0) } else { 0 },
                expirythreshold: if with_period { setting("expirythreshold", 86_400) } else { 0 },
                customint,
            })
        })
        .collect()
}
