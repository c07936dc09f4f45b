//! What the course-reading functions share: entering a listed course without a query per
//! course, Moodle's course display name and generated course image, enabled enrolment methods,
//! the `external_files` structure and values that are present as `null`.
//!
//! This module owns those shared rules only; it must never hold one function's return shape
//! or write to the store.

use portico_engine::{CallContext, CallError};
use portico_macros::Describe;
use portico_schema::desc::Desc;
use portico_schema::typed::{Describe, FromValue, IntoValue};
use portico_schema::{Exception, Value};
use portico_store::ListedCourse;
use portico_store::model::{SITEID, SYSTEM_CONTEXT_ID};

use crate::support::{config_or, require_login_error};

/// A value that is always sent, as `null` when unknown (Moodle returns `null` in such keys,
/// e.g. `progress` of `core_enrol_get_users_courses`); [`Option`] would leave the key out.
#[derive(Debug, Clone, PartialEq)]
pub struct Nullable<T>(pub Option<T>);

impl<T: Describe> Describe for Nullable<T> {
    fn describe() -> Desc {
        T::describe().allow_null(true)
    }
}

impl<T: FromValue> FromValue for Nullable<T> {
    fn from_value(value: Value) -> Result<Nullable<T>, Exception> {
        match value {
            Value::Null => Ok(Nullable(None)),
            other => T::from_value(other).map(|inner| Nullable(Some(inner))),
        }
    }
}

impl<T: IntoValue> IntoValue for Nullable<T> {
    fn into_value(self) -> Value {
        self.0.map_or(Value::Null, IntoValue::into_value)
    }
}

/// A `PARAM_RAW` value sent with its PHP type: a number stays a number (Moodle's course format
/// option defaults are integers, stored options strings).
#[derive(Debug, Clone, PartialEq)]
pub struct RawValue(pub Value);

impl Describe for RawValue {
    fn describe() -> Desc {
        Desc::value(portico_schema::ParamType::Raw, "")
    }
}

impl FromValue for RawValue {
    fn from_value(value: Value) -> Result<RawValue, Exception> {
        Ok(RawValue(value))
    }
}

impl IntoValue for RawValue {
    fn into_value(self) -> Value {
        self.0
    }
}

/// The course-level options of a course's format (Moodle's `get_format_options`): each option
/// the format defines, in its order, with the stored value or the format's default.
/// `topics` and `weeks` define `hiddensections` and `coursedisplay` (defaults from the
/// `moodlecourse` settings), `weeks` also `automaticenddate`; other formats define none.
pub(crate) async fn format_options(
    context: &CallContext,
    course: &portico_store::model::Course,
) -> Result<Vec<(String, RawValue)>, CallError> {
    let defined: &[(&str, &str)] = match course.format.as_str() {
        "topics" => &[("hiddensections", "1"), ("coursedisplay", "0")],
        "weeks" => &[("hiddensections", "1"), ("coursedisplay", "0"), ("automaticenddate", "1")],
        _ => &[],
    };
    if defined.is_empty() {
        return Ok(Vec::new());
    }
    let stored = context.store()?.course_format_options(course.id, &course.format).await?;
    let mut options = Vec::with_capacity(defined.len());
    for (name, fallback) in defined {
        let value = match stored.iter().find(|(stored_name, _)| stored_name == name) {
            Some((_, value)) => Value::from(value.as_str()),
            None => {
                let default = match *name {
                    "automaticenddate" => fallback.to_string(),
                    _ => {
                        crate::support::plugin_config_or(context, "moodlecourse", name, fallback)
                            .await?
                    }
                };
                default.trim().parse::<i64>().map_or(Value::from(default.as_str()), Value::Int)
            }
        };
        options.push((name.to_string(), RawValue(value)));
    }
    Ok(options)
}

/// One file of Moodle's `external_files` structure.
#[derive(Debug, Clone, PartialEq, Describe)]
#[describe(desc = "File.")]
pub struct ExternalFile {
    /// File name.
    #[describe(param = File)]
    pub filename: Option<String>,
    /// File path.
    #[describe(param = Path)]
    pub filepath: Option<String>,
    /// File size.
    pub filesize: Option<i64>,
    /// Downloadable file url.
    #[describe(param = Url)]
    pub fileurl: Option<String>,
    /// Time modified.
    pub timemodified: Option<i64>,
    /// File mime type.
    pub mimetype: Option<String>,
    /// Whether is an external file.
    pub isexternalfile: Option<bool>,
    /// The repository type for external files.
    #[describe(param = Plugin)]
    pub repositorytype: Option<String>,
    /// The relative path to the file icon.
    pub icon: Option<String>,
}

/// The caller's token restriction: `None` for the system context (no restriction), else the
/// restricting context's id and the prefix every context inside it has in its path.
pub(crate) async fn restriction(context: &CallContext) -> Result<Option<(i64, String)>, CallError> {
    let restricted = context.caller().map_or(SYSTEM_CONTEXT_ID, |caller| caller.contextid);
    if restricted == SYSTEM_CONTEXT_ID {
        return Ok(None);
    }
    let path = match context.store()?.context_by_id(restricted).await? {
        Some(found) => found.path.unwrap_or_default(),
        // A restriction to a context that no longer exists admits nothing.
        None => String::from("\0"),
    };
    Ok(Some((restricted, format!("{path}/"))))
}

/// Moodle's `validate_context` on a course that was read with its context (spec 05 §3.6),
/// without a query when the answer is known: `enrolled` says whether the caller is actively
/// enrolled, when the caller already knows (`None` asks the store). Fails with
/// `require_login_exception` (or the restricted-context error) as `validate_context` does.
pub(crate) async fn enter_course(
    context: &CallContext,
    listed: &ListedCourse,
    restriction: &Option<(i64, String)>,
    enrolled: Option<bool>,
) -> Result<(), CallError> {
    if let Some((restricted, prefix)) = restriction
        && *restricted != listed.contextid
        && !listed.contextpath.starts_with(prefix.as_str())
    {
        return Err(Exception::new(
            "restricted_context_exception",
            "restrictedcontextexception",
            "error",
            "Sorry, execution of external function violates context restriction.",
        )
        .into());
    }
    let course = &listed.course;
    if course.id == SITEID {
        return Ok(());
    }
    if course.visible == 0
        && !context.has_capability("moodle/course:viewhiddencourses", listed.contextid).await?
    {
        return Err(require_login_error("Course is hidden"));
    }
    // An active enrolment known beforehand settles it without a capability check, which on a
    // cold cache would read the course context's path.
    if enrolled == Some(true)
        || context.has_capability("moodle/course:view", listed.contextid).await?
    {
        return Ok(());
    }
    let enrolled = match enrolled {
        Some(known) => known,
        None => {
            context.store()?.is_enrolled(course.id, context.user_id(), true, crate::now()).await?
        }
    };
    if enrolled { Ok(()) } else { Err(require_login_error("Not enrolled")) }
}

/// Moodle's `get_course_display_name_for_list`: the full name, or the short name and the full
/// name when the site setting `courselistshortnames` is on.
pub(crate) async fn display_name(
    context: &CallContext,
    course: &portico_store::model::Course,
) -> Result<String, CallError> {
    let shortnames = config_or(context, "courselistshortnames", "0").await?;
    Ok(if php_truthy(&shortnames) {
        format!("{} {}", course.shortname, course.fullname)
    } else {
        course.fullname.clone()
    })
}

/// Whether a setting value is true for PHP (`!empty`).
pub(crate) fn php_truthy(value: &str) -> bool {
    !value.is_empty() && value != "0"
}

/// The course image Moodle shows when a course has none (`get_generated_url_for_course`):
/// `{wwwroot}/pluginfile.php/{course context id}/course/generated/course.svg`.
pub(crate) fn generated_course_image(context: &CallContext, contextid: i64) -> String {
    format!("{}/pluginfile.php/{contextid}/course/generated/course.svg", context.site().wwwroot)
}

/// The names of a course's enabled enrolment instances whose plugin is enabled on the site
/// (Moodle's `enrol_get_instances($courseid, true)`), in instance order.
pub(crate) async fn enrolment_methods(
    context: &CallContext,
    courseid: i64,
) -> Result<Vec<String>, CallError> {
    let enabled = config_or(context, "enrol_plugins_enabled", "manual,guest,self,cohort").await?;
    let enabled: Vec<&str> = enabled.split(',').map(str::trim).collect();
    let instances = context.store()?.enrol_instances(courseid).await?;
    Ok(instances
        .into_iter()
        .filter(|instance| instance.status == 0 && enabled.contains(&instance.enrol.as_str()))
        .map(|instance| instance.enrol)
        .collect())
}

/// Moodle's `util::validate_courses`: each distinct id in the order given, with its course
/// when the caller can enter it, else the warning `No access rights in course context` (also
/// for ids of no course).
pub(crate) async fn validate_courses(
    context: &CallContext,
    courseids: &[i64],
) -> Result<(Vec<ListedCourse>, Vec<crate::support::Warning>), CallError> {
    let store = context.store()?;
    let restriction = restriction(context).await?;
    let mut seen = Vec::with_capacity(courseids.len());
    let (mut courses, mut warnings) = (Vec::new(), Vec::new());
    for &id in courseids {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let listed = store.listed_courses(&portico_store::CourseFilter::Id(id)).await?.pop();
        let entered = match &listed {
            Some(listed) => enter_course(context, listed, &restriction, None).await.is_ok(),
            None => false,
        };
        match listed {
            Some(listed) if entered => courses.push(listed),
            _ => warnings.push(crate::support::Warning::new(
                "course",
                id,
                "1",
                "No access rights in course context",
            )),
        }
    }
    Ok((courses, warnings))
}

/// The site guest user's id (`$CFG->siteguest`).
pub(crate) async fn guest_id(context: &CallContext) -> Result<i64, CallError> {
    Ok(config_or(context, "siteguest", "1").await?.trim().parse().unwrap_or(1))
}

/// `moodle_exception` `errorcoursecontextnotvalid` wrapping the message of a failed course
/// context validation (spec 04 §1.5).
pub(crate) fn course_context_not_valid(courseid: i64, error: CallError) -> CallError {
    let inner = error.to_exception().message;
    Exception::new(
        "moodle_exception",
        "errorcoursecontextnotvalid",
        "webservice",
        format!(
            "You cannot execute functions in the course context (course id:{courseid}). The context error message was: {inner}"
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_schema::typed::IntoValue;

    use super::Nullable;

    #[test]
    fn a_nullable_value_is_present_as_null() {
        assert_eq!(Nullable::<f64>(None).into_value(), Value::Null);
        assert!(!Nullable::<f64>(None).is_absent());
        assert_eq!(Nullable(Some(true)).into_value(), Value::Bool(true));
    }
}
