//! `enrol_manual_unenrol_users` (spec 04 §6.4): unenrol users from each course's manual
//! enrolment instance in one transaction; the first failing row aborts the batch and nothing
//! is written. A user's last enrolment in a course takes their course roles and group
//! memberships with it.
//!
//! Moodle's check `wscannotunenrol` cannot fail for the manual plugin (its `allow_unenrol` is
//! always true), so it has no branch here.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::model::CONTEXT_COURSE;
use portico_store::{StoreError, Unenrolment};

use crate::support::{require_capability, validate_context};

/// Manual unenrol users
pub struct UnenrolUsers;

/// One enrolment to end.
#[derive(Debug, Describe)]
pub struct Unenrol {
    /// The user that is going to be unenrolled
    pub userid: i64,
    /// The course to unenrol the user from
    pub courseid: i64,
    /// The user role
    pub roleid: Option<i64>,
}

/// Parameters of `enrol_manual_unenrol_users`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The enrolments to end.
    pub enrolments: Vec<Unenrol>,
}

impl ExternalFunction for UnenrolUsers {
    const NAME: &'static str = "enrol_manual_unenrol_users";
    const COMPONENT: &'static str = "enrol_manual";
    const DESCRIPTION: &'static str = "Manual unenrol users";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["enrol/manual:unenrol"];
    type Args = Args;
    type Returns = ();

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<(), CallError> {
        // Moodle finds the manual plugin's code whether or not the plugin is enabled, and
        // unenrols through any manual instance.
        let store = context.store()?;
        let mut batch = Vec::new();
        for Unenrol { userid, courseid, .. } in args.into_inner().enrolments {
            // Moodle looks the context up with MUST_EXIST: an unknown course is a missing record.
            if store.course_by_id(courseid).await?.is_none() {
                return Err(StoreError::NotFound { entity: "course", id: courseid }.into());
            }
            let Some(course_context) = store.context_by_instance(CONTEXT_COURSE, courseid).await?
            else {
                return Err(StoreError::NotFound { entity: "context", id: courseid }.into());
            };
            validate_context(context, &course_context).await?;
            require_capability(context, "enrol/manual:unenrol", course_context.id).await?;
            // Any manual instance, enabled or not.
            let instances = store.enrol_instances(courseid).await?;
            let Some(instance) = instances.iter().find(|e| e.enrol == "manual") else {
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
            if store.user_by_id(userid).await?.is_none() {
                return Err(
                    Exception::invalid_parameter(format!("User id not exist: {userid}")).into()
                );
            }
            batch.push(Unenrolment { enrolid: instance.id, userid });
        }
        store.unenrol_users(&batch).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use portico_store::model::{CONTEXT_COURSE, role_id};
    use portico_store::{NewRoleAssignment, Store};
    use portico_testkit::backend_test;

    use crate::testing::TestSite;

    const NAME: &str = "enrol_manual_unenrol_users";

    backend_test!(unenrol_users_removes_enrolment_roles_and_groups, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        site.enrol(ann.id, course.id, role_id::STUDENT).await;
        let context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        // A second role, given by hand, goes too with the last enrolment.
        site.store()
            .assign_role(&NewRoleAssignment {
                roleid: role_id::TEACHER,
                userid: ann.id,
                contextid: context.id,
                component: String::new(),
                itemid: 0,
                modifierid: site.admin.id,
            })
            .await
            .unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "enrolments[0][userid]={}&enrolments[0][courseid]={}&enrolments[0][roleid]=5",
            ann.id, course.id
        );
        site.call(Some(&caller), NAME, &args).await.unwrap();
        assert!(!site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
        assert!(site.store().role_assignments_in_context(context.id).await.unwrap().is_empty());
    });

    backend_test!(unenrol_users_works_with_the_manual_plugin_disabled, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        site.enrol(ann.id, course.id, role_id::STUDENT).await;
        // Moodle unenrols through the course's manual instance whether or not the plugin is
        // enabled: there is no `manualpluginnotinstalled` for an installed plugin.
        site.store().set_config("enrol_plugins_enabled", "self").await.unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args =
            format!("enrolments[0][userid]={}&enrolments[0][courseid]={}", ann.id, course.id);
        site.call(Some(&caller), NAME, &args).await.unwrap();
        assert!(!site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
    });

    backend_test!(unenrol_users_checks_each_row_and_writes_nothing, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        site.enrol(ann.id, course.id, role_id::STUDENT).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let first =
            format!("enrolments[0][userid]={}&enrolments[0][courseid]={}", ann.id, course.id);
        let cases = [
            (
                format!("enrolments[1][userid]=999999&enrolments[1][courseid]={}", course.id),
                "invalidparameter",
                Some("User id not exist: 999999"),
                "Invalid parameter value detected",
            ),
            (
                "enrolments[1][userid]=2&enrolments[1][courseid]=999999".to_owned(),
                "invalidrecord",
                None,
                "Can't find data record in database table course.",
            ),
        ];
        for (second, errorcode, debuginfo, message) in cases {
            let args = format!("{first}&{second}");
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!((error.errorcode.as_ref(), error.message.as_str()), (errorcode, message));
            if let Some(debuginfo) = debuginfo {
                assert_eq!(error.debuginfo.unwrap().as_slice(), debuginfo.as_bytes());
            }
            assert!(site.store().is_enrolled(course.id, ann.id, true, crate::now()).await.unwrap());
        }
        // A course without a manual instance.
        site.store().set_config("enrol_plugins_enabled", "self").await.unwrap();
        let other = site.course("NOMANUAL", category.id).await;
        site.store().set_config("enrol_plugins_enabled", "manual,self").await.unwrap();
        let args = format!(
            "{first}&enrolments[1][userid]={}&enrolments[1][courseid]={}",
            ann.id, other.id
        );
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "wsnoinstance");
        assert_eq!(
            error.message,
            format!(
                "Manual enrolment plugin instance doesn't exist or is disabled for the course \
                 (id = {})",
                other.id
            )
        );
        assert!(site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
        // A teacher holds the capability; a student does not.
        let student = site.user("student").await;
        site.enrol(student.id, course.id, role_id::STUDENT).await;
        let caller = site.custom_caller(student.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, &first).await.unwrap_err();
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Unenrol users from the \
             course)."
        );
    });
}
