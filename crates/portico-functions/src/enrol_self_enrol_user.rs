//! `enrol_self_enrol_user` (spec 04 §6.5): the caller enrols themself through a course's self
//! enrolment instances, with Moodle's `enrol_self` rules: availability (warning 1 with the
//! plugin's reason), the enrolment key and group keys (warnings 2 to 4), the instance's default
//! role and enrolment duration. One transaction enrols and, for a group key, joins the group.
//!
//! Dates in the "cannot enrol yet/any more" reasons are written in UTC: Portico has no time
//! zone database. The guest user's special reason (`noguestaccess` with a login button) is not
//! reproduced: a guest has no token to call with.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::model::{CONTEXT_COURSE, CONTEXT_COURSECAT, Context, Course, Enrol, SITEID};
use portico_store::{NewEnrolment, StoreError};

use crate::enrol_manual_enrol_users::enrol_plugin_enabled;
use crate::support::{Warning, plugin_config_or, validate_context};
use crate::user_details::php_empty;

/// Self enrol the current user in the given course.
pub struct EnrolUser;

/// Parameters of `enrol_self_enrol_user`.
#[derive(Debug, Describe)]
pub struct Args {
    /// Id of the course
    pub courseid: i64,
    /// Enrolment key
    #[describe(default)]
    pub password: String,
    /// Instance id of self enrolment plugin.
    #[describe(default)]
    pub instanceid: i64,
}

/// The result of `enrol_self_enrol_user`.
#[derive(Debug, Describe)]
pub struct EnrolResult {
    /// status: true if the user is enrolled, false otherwise
    pub status: bool,
    /// list of warnings
    pub warnings: Vec<Warning>,
}

/// `enrol_self`'s `canntenrol` text.
pub(crate) const CANNTENROL: &str = "Enrolment is disabled or inactive";

impl ExternalFunction for EnrolUser {
    const NAME: &'static str = "enrol_self_enrol_user";
    const COMPONENT: &'static str = "enrol_self";
    const DESCRIPTION: &'static str = "Self enrol the current user in the given course.";
    const KIND: CallKind = CallKind::Write;
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = EnrolResult;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<EnrolResult, CallError> {
        let Args { courseid, password, instanceid } = args.into_inner();
        let store = context.store()?;
        let course = store
            .course_by_id(courseid)
            .await?
            .ok_or(StoreError::NotFound { entity: "course", id: courseid })?;
        let course_context = store
            .context_by_instance(CONTEXT_COURSE, course.id)
            .await?
            .ok_or(StoreError::NotFound { entity: "context", id: course.id })?;
        validate_context(context, &store.system_context().await?).await?;
        if !can_view_course_info(context, &course, &course_context).await? {
            return Err(course_hidden());
        }
        let cannot_enrol =
            || -> CallError { Exception::moodle("canntenrol", "enrol_self", CANNTENROL).into() };
        // Moodle's enrol_get_instances($courseid, true): enabled instances of enabled plugins.
        if !enrol_plugin_enabled(context, "self").await? {
            return Err(cannot_enrol());
        }
        let instances: Vec<Enrol> = store
            .enrol_instances(course.id)
            .await?
            .into_iter()
            .filter(|e| e.enrol == "self" && e.status == 0)
            .filter(|e| instanceid == 0 || e.id == instanceid)
            .collect();
        if instances.is_empty() {
            return Err(cannot_enrol());
        }
        let mut warnings = Vec::new();
        for instance in &instances {
            if let Some(reason) = cannot_self_enrol(context, instance, course_context.id).await? {
                warnings.push(Warning::new("instance", instance.id, "1", reason));
                continue;
            }
            let key = instance.password.as_deref().unwrap_or_default();
            let mut groupid = None;
            if !php_empty(key) && password != key {
                if instance.customint1.is_some_and(|groupkeys| groupkeys != 0) {
                    groupid = group_with_key(context, course.id, &password).await?;
                    if groupid.is_none() {
                        warnings.push(Warning::new(
                            "instance",
                            instance.id,
                            "2",
                            "Incorrect enrolment key, please try again",
                        ));
                        continue;
                    }
                } else if !php_empty(
                    &plugin_config_or(context, "enrol_self", "showhint", "0").await?,
                ) {
                    let hint: String = key.chars().take(1).collect();
                    let message = format!(
                        "That enrolment key was incorrect, please try again<br />\n(Here's a hint - \
                         it starts with '{hint}')"
                    );
                    warnings.push(Warning::new(
                        "instance",
                        instance.id,
                        "3",
                        escape_html(&message),
                    ));
                    continue;
                } else {
                    warnings.push(Warning::new(
                        "instance",
                        instance.id,
                        "4",
                        "Incorrect enrolment key, please try again",
                    ));
                    continue;
                }
            }
            // Moodle's enrol_self joins the first group (by id) whose key is the password
            // given whenever the instance has a key and group keys are on, also when that
            // password is the instance's own key.
            if groupid.is_none()
                && !php_empty(key)
                && instance.customint1.is_some_and(|groupkeys| groupkeys != 0)
            {
                groupid = group_with_key(context, course.id, &password).await?;
            }
            let now = crate::now();
            let period = instance.enrolperiod.unwrap_or(0);
            let enrolment = NewEnrolment {
                enrolid: instance.id,
                userid: context.user_id(),
                roleid: instance.roleid.unwrap_or(0),
                status: 0,
                timestart: now,
                timeend: if period != 0 { now + period } else { 0 },
                modifierid: context.user_id(),
            };
            store.self_enrol(&enrolment, groupid).await?;
            return Ok(EnrolResult { status: true, warnings });
        }
        Ok(EnrolResult { status: false, warnings })
    }
}

/// Moodle's `coursehidden` error (module `error`).
pub(crate) fn course_hidden() -> CallError {
    Exception::moodle("coursehidden", "error", "This course is currently unavailable to students")
        .into()
}

/// Moodle's `core_course_category::can_view_course_info`: the site course always; any other
/// course when it is visible (or the caller may see hidden courses) and the caller may list
/// the courses of its category.
pub(crate) async fn can_view_course_info(
    context: &CallContext,
    course: &Course,
    course_context: &Context,
) -> Result<bool, CallError> {
    if course.id == SITEID {
        return Ok(true);
    }
    if course.visible == 0
        && !context.has_capability("moodle/course:viewhiddencourses", course_context.id).await?
    {
        return Ok(false);
    }
    let category =
        match context.store()?.context_by_instance(CONTEXT_COURSECAT, course.category).await? {
            Some(category) => category.id,
            // A course whose category is gone: its parent context, as Moodle falls back to.
            None => course_context
                .path
                .as_deref()
                .and_then(|path| path.rsplit('/').nth(1))
                .and_then(|id| id.parse().ok())
                .unwrap_or(course_context.id),
        };
    context.has_capability("moodle/category:viewcourselist", category).await
}

/// Moodle's `enrol_self_plugin::can_self_enrol`: `None` when the caller may enrol through
/// `instance` now, else the reason.
async fn cannot_self_enrol(
    context: &CallContext,
    instance: &Enrol,
    course_contextid: i64,
) -> Result<Option<String>, CallError> {
    let store = context.store()?;
    if store.has_user_enrolment(instance.id, context.user_id()).await? {
        return Ok(Some(CANNTENROL.to_owned()));
    }
    if let Some(reason) = self_enrol_unavailable(context, instance).await? {
        return Ok(Some(reason));
    }
    if !context.has_capability("enrol/self:enrolself", course_contextid).await? {
        return Ok(Some(CANNTENROL.to_owned()));
    }
    Ok(None)
}

/// Moodle's `enrol_self_plugin::is_self_enrol_available` for the caller: `None` when
/// `instance` takes self-enrolments now, else the reason (disabled, not yet or no longer open,
/// closed to new enrolments, the caller enrolled already, full, or reserved to a cohort).
pub(crate) async fn self_enrol_unavailable(
    context: &CallContext,
    instance: &Enrol,
) -> Result<Option<String>, CallError> {
    let store = context.store()?;
    let userid = context.user_id();
    let now = crate::now();
    let reason = if instance.status != 0 {
        CANNTENROL.to_owned()
    } else if let Some(start) = instance.enrolstartdate.filter(|start| *start != 0 && *start > now)
    {
        format!("You cannot enrol yet; enrolment starts on {}.", userdate(start))
    } else if let Some(end) = instance.enrolenddate.filter(|end| *end != 0 && *end < now) {
        format!("You cannot enrol any more, since enrolment ended on {}.", userdate(end))
    } else if instance.customint6.unwrap_or(0) == 0 {
        // New enrolments are not allowed.
        CANNTENROL.to_owned()
    } else if store.has_user_enrolment(instance.id, userid).await? {
        CANNTENROL.to_owned()
    } else if let Some(max) = instance.customint3.filter(|max| *max > 0)
        && store.count_user_enrolments(instance.id).await? >= max
    {
        "Maximum number of users allowed to self-enrol was already reached.".to_owned()
    } else if let Some(cohortid) = instance.customint5.filter(|id| *id != 0)
        && let Some((name, false)) = store.cohort_membership(cohortid, userid).await?
    {
        // Moodle passes this string through markdown, which makes it one paragraph.
        format!("<p>Only members of cohort '{name}' can self-enrol.</p>\n")
    } else {
        return Ok(None);
    };
    Ok(Some(reason))
}

/// The first group of the course (by id) whose enrolment key is exactly `password`.
async fn group_with_key(
    context: &CallContext,
    courseid: i64,
    password: &str,
) -> Result<Option<i64>, CallError> {
    let groups = context.store()?.groups_in_course(courseid).await?;
    Ok(groups
        .into_iter()
        .find(|group| {
            group.enrolmentkey.as_deref().is_some_and(|key| !key.is_empty() && key == password)
        })
        .map(|group| group.id))
}

/// Moodle's `s()`: HTML special characters escaped, quotes as `&quot;` and `&#039;`.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            other => out.push(other),
        }
    }
    out
}

/// Moodle's `userdate` with the default format (`strftimedaydatetime`,
/// `%A, %d %B %Y, %I:%M %p`, day and hour without a leading zero), in UTC.
fn userdate(time: i64) -> String {
    const DAYS: [&str; 7] =
        ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let days = time.div_euclid(86_400);
    let seconds = time.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    let (hour, minute) = (seconds / 3_600, seconds % 3_600 / 60);
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let meridiem = if hour < 12 { "AM" } else { "PM" };
    format!("{weekday}, {day} {month_name} {year}, {hour12}:{minute:02} {meridiem}")
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::NewGroup;
    use portico_store::model::{Enrol, role_id};
    use portico_store::{NewCourse, Store};
    use portico_testkit::backend_test;

    use super::{CANNTENROL, userdate};
    use crate::testing::{TestSite, field};

    const NAME: &str = "enrol_self_enrol_user";

    fn first_warning(answer: &Value) -> Value {
        let warnings = field(answer, "warnings");
        warnings.as_array().and_then(|list| list.values().next().cloned()).unwrap_or(Value::Null)
    }

    #[test]
    fn userdate_writes_moodles_default_format() {
        assert_eq!(userdate(0), "Thursday, 1 January 1970, 12:00 AM");
        assert_eq!(
            userdate(1_767_225_600 + 13 * 3_600 + 5 * 60),
            "Thursday, 1 January 2026, 1:05 PM"
        );
        assert_eq!(userdate(951_782_400), "Tuesday, 29 February 2000, 12:00 AM");
    }

    #[test]
    fn escape_html_is_moodles_s() {
        assert_eq!(super::escape_html("<br />'a\"&"), "&lt;br /&gt;&#039;a&quot;&amp;");
    }

    backend_test!(self_enrol_uses_keys_groups_and_the_default_role, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let store = site.store();
        let instance = site.instance(course.id, "self").await;
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let args = format!("courseid={}", course.id);
        // The default self instance is disabled.
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            ("canntenrol", super::CANNTENROL)
        );
        let keyed = |groupkeys: i64| Enrol {
            status: 0,
            password: Some("Secret".to_owned()),
            customint1: Some(groupkeys),
            customint6: Some(1),
            ..instance.clone()
        };
        store.update_enrol_instance(&keyed(1)).await.unwrap();
        // No key: warning 2 (group keys on, no group matches).
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "status"), false.into());
        let warning = super::first_warning(&answer);
        assert_eq!(field(&warning, "warningcode"), "2".into());
        assert_eq!(field(&warning, "itemid"), instance.id.into());
        // A group key enrols into the group.
        let group = NewGroup {
            courseid: course.id,
            name: "Red".to_owned(),
            enrolmentkey: Some("RedKey".to_owned()),
            ..NewGroup::default()
        };
        let groupid = store.create_groups(&[group]).await.unwrap().remove(0).id;
        let args = format!("courseid={}&password=RedKey", course.id);
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "status"), true.into());
        assert!(store.group_member(groupid, ann.id).await.unwrap().is_some());
        assert!(store.is_enrolled(course.id, ann.id, true, crate::now()).await.unwrap());
        let roles = store.role_assignments_of_user(ann.id).await.unwrap();
        assert_eq!(roles.iter().map(|a| a.roleid).collect::<Vec<_>>(), [role_id::STUDENT]);
        // Already enrolled: warning 1.
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        let warning = super::first_warning(&answer);
        assert_eq!(field(&warning, "warningcode"), "1".into());
        assert_eq!(field(&warning, "message"), super::CANNTENROL.into());
        // Without group keys: warning 3 with a hint when hints are on, else 4.
        let bob = site.user("bob").await;
        let caller = site.mobile_caller(bob.id).await;
        store.update_enrol_instance(&keyed(0)).await.unwrap();
        store.set_plugin_config("enrol_self", "showhint", "1").await.unwrap();
        let args = format!("courseid={}&password=wrong", course.id);
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        let warning = super::first_warning(&answer);
        assert_eq!(field(&warning, "warningcode"), "3".into());
        assert_eq!(
            field(&warning, "message"),
            "That enrolment key was incorrect, please try again&lt;br /&gt;\n(Here&#039;s a hint \
             - it starts with &#039;S&#039;)"
                .into()
        );
        store.set_plugin_config("enrol_self", "showhint", "0").await.unwrap();
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        let warning = super::first_warning(&answer);
        assert_eq!(field(&warning, "warningcode"), "4".into());
        assert!(!store.is_enrolled(course.id, bob.id, false, 0).await.unwrap());
        let args = format!("courseid={}&password=Secret&instanceid={}", course.id, instance.id);
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "status"), true.into());
        let args = format!("courseid={}&instanceid=999999", course.id);
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "canntenrol");
    });

    backend_test!(self_enrol_reports_why_an_instance_cannot_be_used, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let store = site.store();
        let settings = site.node.access.settings().await.unwrap();
        let enrols = crate::support::default_enrols(&settings);
        let mut hidden = crate::fixtures::course_row("HIDDEN", category.id);
        hidden.visible = 0;
        let visible = crate::fixtures::course_row("OPEN", category.id);
        let new = |course| NewCourse { course, numsections: 0, format_options: vec![] };
        let courses = store.create_courses(&[new(hidden), new(visible)], &enrols).await.unwrap();
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let error = site
            .call(Some(&caller), NAME, &format!("courseid={}", courses[0].id))
            .await
            .unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            ("coursehidden", "This course is currently unavailable to students")
        );
        let course = &courses[1];
        let instance = site.instance(course.id, "self").await;
        let open = Enrol { status: 0, customint6: Some(1), ..instance.clone() };
        let args = format!("courseid={}", course.id);
        let start = crate::now() + 86_400;
        let cases = [
            (Enrol { customint6: Some(0), ..open.clone() }, super::CANNTENROL.to_owned()),
            (
                Enrol { enrolstartdate: Some(start), ..open.clone() },
                format!("You cannot enrol yet; enrolment starts on {}.", super::userdate(start)),
            ),
            (
                Enrol { enrolenddate: Some(86_400), ..open.clone() },
                "You cannot enrol any more, since enrolment ended on Friday, 2 January 1970, \
                 12:00 AM."
                    .to_owned(),
            ),
        ];
        for (instance, message) in cases {
            store.update_enrol_instance(&instance).await.unwrap();
            let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
            assert_eq!(field(&answer, "status"), false.into());
            let warning = first_warning(&answer);
            assert_eq!(field(&warning, "warningcode"), "1".into());
            assert_eq!(field(&warning, "message"), message.as_str().into());
        }
        // One place left, taken by Bob: Ann finds the instance full.
        store.update_enrol_instance(&Enrol { customint3: Some(1), ..open.clone() }).await.unwrap();
        let bob = site.user("bob").await;
        let bob_caller = site.mobile_caller(bob.id).await;
        let answer = site.call(Some(&bob_caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "status"), true.into());
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(
            field(&first_warning(&answer), "message"),
            "Maximum number of users allowed to self-enrol was already reached.".into()
        );
        // A role that may not self-enrol.
        store.update_enrol_instance(&open).await.unwrap();
        store
            .set_role_capability(
                role_id::USER,
                1,
                "enrol/self:enrolself",
                portico_store::model::CAP_PROHIBIT,
                site.admin.id,
            )
            .await
            .unwrap();
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&first_warning(&answer), "message"), super::CANNTENROL.into());
    });

    backend_test!(self_enrol_needs_the_course_list_of_the_category, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let category_context = site
            .store()
            .context_by_instance(portico_store::model::CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        // Moodle's can_view_course_info also asks for moodle/category:viewcourselist.
        site.store()
            .set_role_capability(
                role_id::USER,
                category_context.id,
                "moodle/category:viewcourselist",
                portico_store::model::CAP_PROHIBIT,
                site.admin.id,
            )
            .await
            .unwrap();
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let error =
            site.call(Some(&caller), NAME, &format!("courseid={}", course.id)).await.unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            ("coursehidden", "This course is currently unavailable to students")
        );
    });

    backend_test!(self_enrol_joins_a_group_sharing_the_instance_key, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let instance = site.instance(course.id, "self").await;
        let open = Enrol {
            status: 0,
            password: Some("Secret".to_owned()),
            customint1: Some(1),
            customint6: Some(1),
            ..instance
        };
        site.store().update_enrol_instance(&open).await.unwrap();
        let group = NewGroup {
            courseid: course.id,
            name: "Blue".to_owned(),
            enrolmentkey: Some("Secret".to_owned()),
            ..NewGroup::default()
        };
        let groupid = site.store().create_groups(&[group]).await.unwrap().remove(0).id;
        let ann = site.user("ann").await;
        let caller = site.mobile_caller(ann.id).await;
        let args = format!("courseid={}&password=Secret", course.id);
        let answer = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(field(&answer, "status"), true.into());
        assert!(site.store().group_member(groupid, ann.id).await.unwrap().is_some());
    });
}
