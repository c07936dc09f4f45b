//! `core_course_get_user_navigation_options` (spec 04 §5.10): which course navigation
//! features (participants, grades, badges, ...) the caller has in each course, from
//! capabilities and site settings (Moodle's `course_get_user_navigation_options`).
//!
//! Courses the caller cannot enter become warnings. This function only reports availability;
//! it must never grant anything.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::Valid;
use portico_store::ListedCourse;
use portico_store::model::{SITEID, SYSTEM_CONTEXT_ID};

use crate::courses::{php_truthy, validate_courses};
use crate::support::{Warning, config_or, plugin_config_or};

/// Return a list of navigation options in a set of courses that are avaialable or not for the
/// current user.
pub struct GetUserNavigationOptions;

/// Parameters of the navigation and administration option functions.
#[derive(Debug, Describe)]
pub struct Args {
    /// Course id.
    pub courseids: Vec<i64>,
}

/// One option and whether it is available.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CourseOption {
    /// Option name
    #[describe(param = AlphaNumExt)]
    pub name: String,
    /// Whether the option is available or not
    pub available: bool,
}

/// The options of one course.
#[derive(Debug, Clone, PartialEq, Describe)]
pub struct CourseOptions {
    /// Course id
    pub id: i64,
    /// The options.
    pub options: Vec<CourseOption>,
}

/// The courses' options and the warnings.
#[derive(Debug, Describe)]
pub struct Options {
    /// List of courses
    pub courses: Vec<CourseOptions>,
    /// list of warnings
    pub warnings: Vec<Warning>,
}

impl ExternalFunction for GetUserNavigationOptions {
    const NAME: &'static str = "core_course_get_user_navigation_options";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Return a list of navigation options in a set of courses that are avaialable or not for the current user.";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] = &[];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Options;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Options, CallError> {
        let Args { courseids } = args.into_inner();
        let (courses, warnings) = validate_courses(context, &courseids).await?;
        let mut result = Vec::with_capacity(courses.len());
        for listed in &courses {
            let options = navigation_options(context, listed).await?;
            let options = options
                .into_iter()
                .map(|(name, available)| CourseOption { name: name.to_owned(), available })
                .collect();
            result.push(CourseOptions { id: listed.course.id, options });
        }
        Ok(Options { courses: result, warnings })
    }
}

/// Whether the caller holds any of `capabilities` in `contextid`.
pub(crate) async fn has_any(
    context: &CallContext,
    capabilities: &[&str],
    contextid: i64,
) -> Result<bool, CallError> {
    for capability in capabilities {
        if context.has_capability(capability, contextid).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Moodle's `course_get_user_navigation_options` for a course (the site course in the system
/// context), in Moodle's order.
async fn navigation_options(
    context: &CallContext,
    listed: &ListedCourse,
) -> Result<Vec<(&'static str, bool)>, CallError> {
    let course = &listed.course;
    let frontpage = course.id == SITEID;
    let contextid = if frontpage { SYSTEM_CONTEXT_ID } else { listed.contextid };
    let setting = |name: &'static str, default: &'static str| async move {
        Ok::<bool, CallError>(php_truthy(&config_or(context, name, default).await?))
    };
    let userid = context.user_id();
    let guest = crate::courses::guest_id(context).await?;
    let loggedin = userid != 0;
    let guestuser = userid == guest;

    // Blogs: enabled, at global level or site level for a real user, and may view blogs.
    let bloglevel: i64 = config_or(context, "bloglevel", "4").await?.trim().parse().unwrap_or(4);
    let blogs = setting("enableblogs", "1").await?
        && (bloglevel == 5 || (bloglevel == 4 && loggedin && !guestuser))
        && context.has_capability("moodle/blog:view", SYSTEM_CONTEXT_ID).await?;
    let notes = setting("enablenotes", "1").await?
        && has_any(context, &["moodle/notes:manage", "moodle/notes:view"], contextid).await?;
    let (participants, badges, tags, search, grades);
    if frontpage {
        participants = has_any(
            context,
            &["moodle/site:viewparticipants", "moodle/course:enrolreview"],
            contextid,
        )
        .await?;
        badges = setting("enablebadges", "1").await?
            && context.has_capability("moodle/badges:viewbadges", contextid).await?;
        tags = setting("usetags", "1").await? && loggedin;
        search = setting("enableglobalsearch", "0").await?
            && context.has_capability("moodle/search:query", contextid).await?;
        grades = false;
    } else {
        participants = has_any(
            context,
            &["moodle/course:viewparticipants", "moodle/course:enrolreview"],
            contextid,
        )
        .await?;
        // Portico stores no badges, so only those who manage badges see the badges page.
        badges = setting("enablebadges", "1").await?
            && setting("badges_allowcoursebadges", "1").await?
            && has_any(
                context,
                &[
                    "moodle/badges:createbadge",
                    "moodle/badges:awardbadge",
                    "moodle/badges:configurecriteria",
                    "moodle/badges:configuremessages",
                    "moodle/badges:configuredetails",
                    "moodle/badges:deletebadge",
                ],
                contextid,
            )
            .await?;
        tags = false;
        search = false;
        grades = context.has_capability("moodle/grade:viewall", contextid).await?
            || (course.showgrades != 0
                && has_any(
                    context,
                    &[
                        "gradereport/user:view",
                        "gradereport/summary:view",
                        "gradereport/singleview:view",
                        "gradereport/overview:view",
                        "gradereport/outcomes:view",
                        "gradereport/history:view",
                        "gradereport/grader:view",
                    ],
                    contextid,
                )
                .await?);
    }
    let competencies =
        php_truthy(&plugin_config_or(context, "core_competency", "enabled", "1").await?)
            && has_any(
                context,
                &[
                    "moodle/competency:coursecompetencyview",
                    "moodle/competency:coursecompetencymanage",
                ],
                contextid,
            )
            .await?;
    Ok(vec![
        ("badges", badges),
        ("blogs", blogs),
        ("competencies", competencies),
        ("grades", grades),
        ("notes", notes),
        ("participants", participants),
        ("search", search),
        ("tags", tags),
    ])
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::{SITEID, role_id};
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_course_get_user_navigation_options";

    /// The available option names of each course of an answer.
    fn available(answer: &Value) -> Vec<(i64, Vec<String>)> {
        let Value::Array(courses) = field(answer, "courses") else { panic!("courses") };
        courses
            .values()
            .map(|course| {
                let Value::Int(id) = field(course, "id") else { panic!("an id") };
                let Value::Array(options) = field(course, "options") else { panic!("options") };
                let names = options
                    .values()
                    .filter(|o| field(o, "available") == Value::Bool(true))
                    .map(|o| {
                        String::from_utf8_lossy(&field(o, "name").to_php_string()).into_owned()
                    })
                    .collect();
                (id, names)
            })
            .collect()
    }

    backend_test!(navigation_options_follow_roles, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let other = site.course("OTHER", category.id).await;
        let ann = site.user("ann").await;
        let tom = site.user("tom").await;
        site.enrol(ann.id, bio.id, role_id::STUDENT).await;
        site.enrol(tom.id, bio.id, role_id::EDITINGTEACHER).await;
        let caller = site.mobile_caller(ann.id).await;
        let args =
            format!("courseids[0]={}&courseids[1]={}&courseids[2]={SITEID}", bio.id, other.id);
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            available(&answer),
            vec![
                (bio.id, names(&["blogs", "competencies", "grades", "participants"])),
                (SITEID, names(&["badges", "blogs", "competencies", "tags"]))
            ]
        );
        let Value::Array(warnings) = field(&answer, "warnings") else { panic!("warnings") };
        assert_eq!(warnings.len(), 1);
        assert_eq!(field(warnings.values().next().unwrap(), "itemid"), Value::Int(other.id));
        let caller = site.mobile_caller(tom.id).await;
        let answer =
            site.call(Some(&caller), NAME, &format!("courseids[0]={}", bio.id)).await.unwrap();
        assert_eq!(
            available(&answer),
            vec![(
                bio.id,
                names(&["badges", "blogs", "competencies", "grades", "notes", "participants"])
            )]
        );
    });
}
