//! `core_role_assign_roles` (spec 04 §7.1): manual role assignments in any context, in one
//! transaction; the first failing row aborts the batch and nothing is written. Assigning an
//! existing assignment again changes nothing; a course role does not enrol.
//!
//! Moodle declares `contextlevel` as `PARAM_ALPHA`, which refuses the numeric levels its
//! `get_context_from_params` accepts since 4.2; Portico declares `PARAM_ALPHANUM` so that numeric
//! levels (`50`) work as the spec asks.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::Valid;
use portico_store::NewRoleAssignment;

use crate::roles::{checked_role_context, require_assignable_user};

/// Manual role assignments.
pub struct AssignRoles;

/// One role assignment.
#[derive(Debug, Describe)]
pub struct Assignment {
    /// Role to assign to the user
    pub roleid: i64,
    /// The user that is going to be assigned
    pub userid: i64,
    /// The context to assign the user role in
    pub contextid: Option<i64>,
    /// The context level to assign the user role in (block, course, coursecat, system, user,
    /// module)
    #[describe(param = AlphaNum)]
    pub contextlevel: Option<String>,
    /// The Instance id of item where the role needs to be assigned
    pub instanceid: Option<i64>,
}

/// Parameters of `core_role_assign_roles`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The role assignments.
    pub assignments: Vec<Assignment>,
}

impl ExternalFunction for AssignRoles {
    const NAME: &'static str = "core_role_assign_roles";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Manual role assignments.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/role:assign"];
    type Args = Args;
    type Returns = ();

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<(), CallError> {
        let mut batch = Vec::new();
        for a in args.into_inner().assignments {
            let target = checked_role_context(
                context,
                "assign",
                a.roleid,
                a.contextid,
                a.contextlevel.as_deref(),
                a.instanceid,
            )
            .await?;
            require_assignable_user(context, a.userid).await?;
            batch.push(NewRoleAssignment {
                roleid: a.roleid,
                userid: a.userid,
                contextid: target.id,
                component: String::new(),
                itemid: 0,
                modifierid: context.user_id(),
            });
        }
        context.store()?.assign_roles(&batch).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use portico_store::Store;
    use portico_store::model::{CONTEXT_COURSE, CONTEXT_COURSECAT, role_id};
    use portico_testkit::backend_test;

    use crate::testing::TestSite;

    const NAME: &str = "core_role_assign_roles";

    backend_test!(assign_roles_by_context_id_and_by_level, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let course_context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        let args = format!(
            "assignments[0][roleid]=4&assignments[0][userid]={ann}&assignments[0][contextid]={}\
             &assignments[1][roleid]=1&assignments[1][userid]={ann}\
             &assignments[1][contextlevel]=coursecat&assignments[1][instanceid]={}\
             &assignments[2][roleid]=5&assignments[2][userid]={ann}\
             &assignments[2][contextlevel]=50&assignments[2][instanceid]={}\
             &assignments[3][roleid]=4&assignments[3][userid]={ann}&assignments[3][contextid]={}",
            course_context.id,
            category.id,
            course.id,
            course_context.id,
            ann = ann.id
        );
        site.call(Some(&caller), NAME, &args).await.unwrap();
        let roles: Vec<i64> = site
            .store()
            .role_assignments_in_context(course_context.id)
            .await
            .unwrap()
            .iter()
            .map(|a| a.roleid)
            .collect();
        assert_eq!(roles, [role_id::TEACHER, role_id::STUDENT]);
        let category_context = site
            .store()
            .context_by_instance(CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        let roles = site.store().role_assignments_in_context(category_context.id).await.unwrap();
        assert_eq!(roles.len(), 1);
        // A role assignment is not an enrolment.
        assert!(!site.store().is_enrolled(course.id, ann.id, false, 0).await.unwrap());
    });

    backend_test!(assign_roles_reports_each_error_and_writes_nothing, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        let teacher = site.user("teacher").await;
        site.enrol(teacher.id, course.id, role_id::EDITINGTEACHER).await;
        let course_context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        let first = format!(
            "assignments[0][roleid]=5&assignments[0][userid]={}&assignments[0][contextid]={}",
            ann.id, course_context.id
        );
        let cases = [
            (
                format!("assignments[1][roleid]=5&assignments[1][userid]={}", ann.id),
                "Missing parameters, please provide either context level with instance id or \
                 contextid"
                    .to_owned(),
            ),
            (
                format!(
                    "assignments[1][roleid]=5&assignments[1][userid]={}\
                     &assignments[1][contextlevel]=galaxy&assignments[1][instanceid]=1",
                    ann.id
                ),
                "Invalid context level = galaxy".to_owned(),
            ),
            (
                format!(
                    "assignments[1][roleid]=5&assignments[1][userid]={}\
                     &assignments[1][contextid]=999999",
                    ann.id
                ),
                "Context does not exist".to_owned(),
            ),
            // An editing teacher may not assign the editing teacher role.
            (
                format!(
                    "assignments[1][roleid]=3&assignments[1][userid]={}\
                     &assignments[1][contextlevel]=course&assignments[1][instanceid]={}",
                    ann.id, course.id
                ),
                "Can not assign roleid=3 in contextid=".to_owned(),
            ),
            (
                format!(
                    "assignments[1][roleid]=3&assignments[1][userid]={}&assignments[1][contextid]={}",
                    ann.id, course_context.id
                ),
                format!("Can not assign roleid=3 in contextid={}", course_context.id),
            ),
        ];
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        for (second, debuginfo) in cases {
            let args = format!("{first}&{second}");
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "invalidparameter", "{second}");
            assert_eq!(error.debuginfo.unwrap().as_slice(), debuginfo.as_bytes());
            assert_eq!(site.store().role_assignments_of_user(ann.id).await.unwrap(), []);
        }
        // A student lacks moodle/role:assign.
        let student = site.user("student").await;
        site.enrol(student.id, course.id, role_id::STUDENT).await;
        let caller = site.custom_caller(student.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, &first).await.unwrap_err();
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Assign roles to users)."
        );
    });

    backend_test!(assign_roles_refuses_an_empty_user_id, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "assignments[0][roleid]=5&assignments[0][userid]=0\
             &assignments[0][contextlevel]=course&assignments[0][instanceid]={}",
            course.id
        );
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            (
                "codingerror",
                "Coding error detected, it must be fixed by a programmer: Invalid call to \
                 role_assign(), userid can not be empty"
            )
        );
        let context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        assert!(site.store().role_assignments_in_context(context.id).await.unwrap().is_empty());
    });
}
