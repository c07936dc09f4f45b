//! `enrol_manual_enrol_users` (spec 04 §6.3): enrol users through each course's manual
//! enrolment instance, with a role, in one transaction; the first failing enrolment aborts the
//! batch and nothing is written.
//!
//! Moodle's check `wscannotenrol` cannot fail for the manual plugin (its `allow_enrol` is always
//! true), so it has no branch here.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::NewEnrolment;
use portico_store::model::CONTEXT_COURSE;

use crate::roles::{assignable_roles, context_does_not_exist, require_assignable_user};
use crate::support::{config_or, require_capability, validate_context};

/// Manual enrol users
pub struct EnrolUsers;

/// One enrolment to make.
#[derive(Debug, Describe)]
pub struct Enrolment {
    /// Role to assign to the user
    pub roleid: i64,
    /// The user that is going to be enrolled
    pub userid: i64,
    /// The course to enrol the user role in
    pub courseid: i64,
    /// Timestamp when the enrolment start
    pub timestart: Option<i64>,
    /// Timestamp when the enrolment end
    pub timeend: Option<i64>,
    /// set to 1 to suspend the enrolment
    pub suspend: Option<i64>,
}

/// Parameters of `enrol_manual_enrol_users`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The enrolments.
    pub enrolments: Vec<Enrolment>,
}

/// Whether the enrolment plugin `name` is enabled on the site (setting `enrol_plugins_enabled`).
pub(crate) async fn enrol_plugin_enabled(
    context: &CallContext,
    name: &str,
) -> Result<bool, CallError> {
    let enabled = config_or(context, "enrol_plugins_enabled", "manual,guest,self,cohort").await?;
    Ok(enabled.split(',').any(|plugin| plugin.trim() == name))
}

impl ExternalFunction for EnrolUsers {
    const NAME: &'static str = "enrol_manual_enrol_users";
    const COMPONENT: &'static str = "enrol_manual";
    const DESCRIPTION: &'static str = "Manual enrol users";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["enrol/manual:enrol"];
    type Args = Args;
    type Returns = ();

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<(), CallError> {
        // Moodle's `manualpluginnotinstalled` needs the plugin's code to be missing, which
        // cannot happen here; a disabled plugin only hides its instances (`wsnoinstance`).
        let manual_enabled = enrol_plugin_enabled(context, "manual").await?;
        let store = context.store()?;
        let mut batch = Vec::new();
        for enrolment in args.into_inner().enrolments {
            let Enrolment { roleid, userid, courseid, .. } = enrolment;
            let Some(course_context) = store.context_by_instance(CONTEXT_COURSE, courseid).await?
            else {
                return Err(context_does_not_exist());
            };
            validate_context(context, &course_context).await?;
            require_capability(context, "enrol/manual:enrol", course_context.id).await?;
            let roles = assignable_roles(context, &course_context).await?;
            if !roles.iter().any(|role| role.id == roleid) {
                return Err(Exception::moodle(
                    "wsusercannotassign",
                    "enrol_manual",
                    format!(
                        "You don't have the permission to assign this role ({roleid}) to this \
                         user ({userid}) in this course ({courseid})."
                    ),
                )
                .into());
            }
            // Moodle's enrol_get_instances($courseid, true): enabled instances of enabled plugins.
            let instances = store.enrol_instances(courseid).await?;
            let Some(instance) =
                instances.iter().find(|e| manual_enabled && e.enrol == "manual" && e.status == 0)
            else {
                return Err(Exception::moodle(
                    "wsnoinstance",
                    "enrol_manual",
                    format!(
                        "Manual enrolment plugin instance doesn't exist or is disabled for the \
                         course (id = {courseid})"
                    ),
                )
                .into());
            };
            require_assignable_user(context, userid).await?;
            batch.push(NewEnrolment {
                enrolid: instance.id,
                userid,
                roleid,
                status: i64::from(enrolment.suspend.is_some_and(|suspend| suspend != 0)),
                timestart: enrolment.timestart.unwrap_or(0),
                timeend: enrolment.timeend.unwrap_or(0),
                modifierid: context.user_id(),
            });
        }
        store.enrol_users(&batch).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::{CONTEXT_COURSE, role_id};
    use portico_testkit::backend_test;

    use crate::testing::TestSite;

    const NAME: &str = "enrol_manual_enrol_users";

    backend_test!(enrol_users_enrols_with_the_role_and_dates, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "enrolments[0][roleid]=5&enrolments[0][userid]={}&enrolments[0][courseid]={}\
             &enrolments[0][timestart]=100&enrolments[0][timeend]=4000000000\
             &enrolments[1][roleid]=4&enrolments[1][userid]={}&enrolments[1][courseid]={}\
             &enrolments[1][suspend]=1",
            ann.id, course.id, bob.id, course.id
        );
        assert_eq!(site.call(Some(&caller), NAME, &args).await.unwrap(), Value::Null);
        let now = crate::now();
        assert!(site.store().is_enrolled(course.id, ann.id, true, now).await.unwrap());
        // Suspended: enrolled, but not actively.
        assert!(site.store().is_enrolled(course.id, bob.id, false, now).await.unwrap());
        assert!(!site.store().is_enrolled(course.id, bob.id, true, now).await.unwrap());
        let context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        let roles: Vec<(i64, i64)> = site
            .store()
            .role_assignments_in_context(context.id)
            .await
            .unwrap()
            .iter()
            .map(|a| (a.userid, a.roleid))
            .collect();
        assert_eq!(roles, [(ann.id, role_id::STUDENT), (bob.id, role_id::TEACHER)]);
        // Enrolling again changes nothing but the dates and status.
        assert!(site.call(Some(&caller), NAME, &args).await.is_ok());
        assert_eq!(site.store().role_assignments_in_context(context.id).await.unwrap().len(), 2);
    });

    backend_test!(
        enrol_users_checks_each_enrolment_and_writes_nothing,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let course = site.course("BIO1", category.id).await;
            let ann = site.user("ann").await;
            let teacher = site.user("teacher").await;
            site.enrol(teacher.id, course.id, role_id::EDITINGTEACHER).await;
            let caller = site.custom_caller(teacher.id, &[NAME]).await;
            let first = format!(
                "enrolments[0][roleid]=5&enrolments[0][userid]={}&enrolments[0][courseid]={}",
                ann.id, course.id
            );
            // A teacher may enrol students but not teachers.
            let cases = [
            (
                format!("enrolments[1][roleid]=3&enrolments[1][userid]={}&enrolments[1][courseid]={}", ann.id, course.id),
                "wsusercannotassign",
                format!(
                    "You don't have the permission to assign this role (3) to this user ({}) in \
                     this course ({}).",
                    ann.id, course.id
                ),
            ),
            (
                format!("enrolments[1][roleid]=5&enrolments[1][userid]=999999&enrolments[1][courseid]={}", course.id),
                "codingerror",
                "Coding error detected, it must be fixed by a programmer: User ID does not exist \
                 or is deleted!"
                    .to_owned(),
            ),
            (
                "enrolments[1][roleid]=5&enrolments[1][userid]=2&enrolments[1][courseid]=999999"
                    .to_owned(),
                "invalidparameter",
                "Invalid parameter value detected".to_owned(),
            ),
        ];
            for (second, errorcode, message) in cases {
                let args = format!("{first}&{second}");
                let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
                assert_eq!((error.errorcode.as_ref(), error.message), (errorcode, message));
                assert!(!site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
            }
        }
    );

    backend_test!(
        enrol_users_needs_an_enabled_manual_plugin_and_instance,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let ann = site.user("ann").await;
            let course = site.course("BIO1", category.id).await;
            site.store().set_config("enrol_plugins_enabled", "self").await.unwrap();
            let bare = site.course("NOMANUAL", category.id).await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let args = |courseid: i64| {
                format!(
                    "enrolments[0][roleid]=5&enrolments[0][userid]={}&enrolments[0][courseid]={courseid}",
                    ann.id
                )
            };
            let wsnoinstance = |courseid: i64| {
                format!(
                    "Manual enrolment plugin instance doesn't exist or is disabled for the course \
                     (id = {courseid})"
                )
            };
            // A disabled manual plugin hides the course's manual instance, as Moodle's
            // enrol_get_instances does: `wsnoinstance`, never `manualpluginnotinstalled`.
            let error = site.call(Some(&caller), NAME, &args(course.id)).await.unwrap_err();
            assert_eq!(
                (error.errorcode.as_ref(), error.message),
                ("wsnoinstance", wsnoinstance(course.id))
            );
            assert!(!site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
            site.store().set_config("enrol_plugins_enabled", "manual,self").await.unwrap();
            let error = site.call(Some(&caller), NAME, &args(bare.id)).await.unwrap_err();
            assert_eq!(
                (error.errorcode.as_ref(), error.message),
                ("wsnoinstance", wsnoinstance(bare.id))
            );
            assert!(site.call(Some(&caller), NAME, &args(course.id)).await.is_ok());
            assert!(site.store().is_enrolled(course.id, ann.id, true, crate::now()).await.unwrap());
        }
    );

    backend_test!(enrol_users_requires_the_capability, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let student = site.user("student").await;
        site.enrol(student.id, course.id, role_id::STUDENT).await;
        let caller = site.custom_caller(student.id, &[NAME]).await;
        let args = format!(
            "enrolments[0][roleid]=5&enrolments[0][userid]={}&enrolments[0][courseid]={}",
            student.id, course.id
        );
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "nopermissions");
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Enrol users)."
        );
        // Someone not enrolled cannot even enter the course.
        let stranger = site.user("stranger").await;
        let caller = site.custom_caller(stranger.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "requireloginerror");
    });
}
