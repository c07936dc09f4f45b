//! `core_course_get_user_administration_options` (spec 04 §5.10): which course administration
//! features (settings, backup, gradebook, ...) the caller has in each course, from capabilities
//! and site settings (Moodle's `course_get_user_administration_options`).
//!
//! Courses the caller cannot enter become warnings. This function only reports availability;
//! it must never grant anything.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_schema::Valid;
use portico_store::ListedCourse;
use portico_store::model::{CONTEXT_COURSECAT, SITEID};

use crate::core_course_get_user_navigation_options::{
    Args, CourseOption, CourseOptions, Options, has_any,
};
use crate::courses::{php_truthy, validate_courses};
use crate::support::config_or;

/// Return a list of administration options in a set of courses that are available or not for
/// the current user.
pub struct GetUserAdministrationOptions;

impl ExternalFunction for GetUserAdministrationOptions {
    const NAME: &'static str = "core_course_get_user_administration_options";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Return a list of administration options in a set of courses that are available or not for the current user.";
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
            let options = administration_options(context, listed)
                .await?
                .into_iter()
                .map(|(name, available)| CourseOption { name: name.to_owned(), available })
                .collect();
            result.push(CourseOptions { id: listed.course.id, options });
        }
        Ok(Options { courses: result, warnings })
    }
}

/// Moodle's `course_get_user_administration_options` for a course, in Moodle's order; the
/// site course gets the course-only options as unavailable.
async fn administration_options(
    context: &CallContext,
    listed: &ListedCourse,
) -> Result<Vec<(&'static str, bool)>, CallError> {
    let course = &listed.course;
    let contextid = listed.contextid;
    let has = |capability: &'static str| context.has_capability(capability, contextid);
    let update = has("moodle/course:update").await?;
    // Portico has no activities, so no activity offers completion options of its own.
    let editcompletion = php_truthy(&config_or(context, "enablecompletion", "1").await?)
        && course.enablecompletion != 0
        && update;
    // Portico has no filter plugins, so there is nothing to manage.
    let filters = false;
    let reports = has("moodle/site:viewreports").await?;
    let backup = has("moodle/backup:backupcourse").await?;
    let restore = has("moodle/restore:restorecourse").await?;
    let copy = can_copy_course(context, listed).await?;
    let files = course.legacyfiles == 2 && has("moodle/course:managefiles").await?;
    let mut options = vec![
        ("update", update),
        ("editcompletion", editcompletion),
        ("filters", filters),
        ("reports", reports),
        ("backup", backup),
        ("restore", restore),
        ("copy", copy),
        ("files", files),
    ];
    if course.id == SITEID {
        for name in [
            "tags",
            "gradebook",
            "outcomes",
            "badges",
            "import",
            "publish",
            "reset",
            "roles",
            "grades",
        ] {
            options.push((name, false));
        }
    } else {
        options.push(("tags", has("moodle/course:tag").await?));
        options.push(("gradebook", has("moodle/grade:manage").await?));
        options.push((
            "outcomes",
            php_truthy(&config_or(context, "enableoutcomes", "0").await?) && update,
        ));
        options.push(("badges", php_truthy(&config_or(context, "enablebadges", "1").await?)));
        options.push(("import", has("moodle/restore:restoretargetimport").await?));
        options.push(("reset", has("moodle/course:reset").await?));
        options.push(("roles", has("moodle/role:switchroles").await?));
    }
    Ok(options)
}

/// Moodle's `can_copy_course`: backup and restore in the course, and course creation in its
/// category.
async fn can_copy_course(context: &CallContext, listed: &ListedCourse) -> Result<bool, CallError> {
    let contextid = listed.contextid;
    if !context.has_capability("moodle/backup:backupcourse", contextid).await?
        || !context.has_capability("moodle/restore:restorecourse", contextid).await?
    {
        return Ok(false);
    }
    let categorycontext =
        context.access()?.context_id(CONTEXT_COURSECAT, listed.course.category).await?;
    match categorycontext {
        Some(categorycontext) => has_any(context, &["moodle/course:create"], categorycontext).await,
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::role_id;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_course_get_user_administration_options";

    fn options(answer: &Value) -> Vec<(String, bool)> {
        let Value::Array(courses) = field(answer, "courses") else { panic!("courses") };
        let course = courses.values().next().expect("one course");
        let Value::Array(options) = field(course, "options") else { panic!("options") };
        options
            .values()
            .map(|o| {
                (
                    String::from_utf8_lossy(&field(o, "name").to_php_string()).into_owned(),
                    field(o, "available") == Value::Bool(true),
                )
            })
            .collect()
    }

    backend_test!(administration_options_follow_roles, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let bio = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        let tom = site.user("tom").await;
        site.enrol(ann.id, bio.id, role_id::STUDENT).await;
        site.enrol(tom.id, bio.id, role_id::EDITINGTEACHER).await;
        let args = format!("courseids[0]={}", bio.id);
        let student = site.mobile_caller(ann.id).await;
        let answer = site.call(Some(&student), NAME, &args).await.unwrap();
        let available: Vec<String> =
            options(&answer).into_iter().filter(|(_, a)| *a).map(|(n, _)| n).collect();
        assert_eq!(available, vec!["badges".to_owned()]);
        let names: Vec<String> = options(&answer).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "update",
                "editcompletion",
                "filters",
                "reports",
                "backup",
                "restore",
                "copy",
                "files",
                "tags",
                "gradebook",
                "outcomes",
                "badges",
                "import",
                "reset",
                "roles"
            ]
        );
        let teacher = site.mobile_caller(tom.id).await;
        let answer = site.call(Some(&teacher), NAME, &args).await.unwrap();
        let available: Vec<String> =
            options(&answer).into_iter().filter(|(_, a)| *a).map(|(n, _)| n).collect();
        assert_eq!(
            available,
            [
                "update",
                "editcompletion",
                "reports",
                "backup",
                "restore",
                "tags",
                "gradebook",
                "badges",
                "import",
                "reset",
                "roles"
            ]
        );
    });
}
