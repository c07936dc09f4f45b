//! `core_role_unassign_roles` (spec 04 §7.2): remove manual role assignments (component '',
//! item 0) in one transaction, with the checks of `core_role_assign_roles`; the first failing
//! row aborts the batch and nothing is removed. An assignment that does not exist is skipped.
//!
//! `contextlevel` is `PARAM_ALPHANUM` for the same reason as in `core_role_assign_roles`.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::RoleUnassignment;

use crate::roles::checked_role_context;

/// Manual role unassignments.
pub struct UnassignRoles;

/// One role assignment to remove.
#[derive(Debug, Describe)]
pub struct Unassignment {
    /// Role to assign to the user
    pub roleid: i64,
    /// The user that is going to be assigned
    pub userid: i64,
    /// The context to unassign the user role from
    pub contextid: Option<i64>,
    /// The context level to unassign the user role in (block, course, coursecat, system, user,
    /// module)
    #[describe(param = AlphaNum)]
    pub contextlevel: Option<String>,
    /// The Instance id of item where the role needs to be unassigned
    pub instanceid: Option<i64>,
}

/// Parameters of `core_role_unassign_roles`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The role assignments to remove.
    pub unassignments: Vec<Unassignment>,
}

impl ExternalFunction for UnassignRoles {
    const NAME: &'static str = "core_role_unassign_roles";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Manual role unassignments.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/role:assign"];
    type Args = Args;
    type Returns = ();

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<(), CallError> {
        let mut batch = Vec::new();
        for u in args.into_inner().unassignments {
            let target = checked_role_context(
                context,
                "unassign",
                u.roleid,
                u.contextid,
                u.contextlevel.as_deref(),
                u.instanceid,
            )
            .await?;
            // Moodle's role_unassign refuses an empty user id (role and context are set here).
            if u.userid == 0 {
                return Err(Exception::coding(
                    "Invalid call to role_unassign(), please use role_unassign_all() when \
                     removing multiple role assignments",
                )
                .into());
            }
            batch.push(RoleUnassignment {
                roleid: u.roleid,
                userid: u.userid,
                contextid: target.id,
            });
        }
        context.store()?.unassign_roles(&batch).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use portico_store::model::{CONTEXT_COURSE, role_id};
    use portico_store::{NewRoleAssignment, Store};
    use portico_testkit::backend_test;

    use crate::testing::TestSite;

    const NAME: &str = "core_role_unassign_roles";

    backend_test!(unassign_roles_removes_manual_assignments_only, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        let context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        for (roleid, component) in [(role_id::STUDENT, ""), (role_id::TEACHER, "enrol_self")] {
            let assignment = NewRoleAssignment {
                roleid,
                userid: ann.id,
                contextid: context.id,
                component: component.to_owned(),
                itemid: 0,
                modifierid: site.admin.id,
            };
            site.store().assign_role(&assignment).await.unwrap();
        }
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "unassignments[0][roleid]=5&unassignments[0][userid]={ann}\
             &unassignments[0][contextlevel]=course&unassignments[0][instanceid]={course}\
             &unassignments[1][roleid]=4&unassignments[1][userid]={ann}\
             &unassignments[1][contextid]={context}",
            ann = ann.id,
            course = course.id,
            context = context.id
        );
        site.call(Some(&caller), NAME, &args).await.unwrap();
        let left: Vec<(i64, String)> = site
            .store()
            .role_assignments_of_user(ann.id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.roleid, a.component))
            .collect();
        assert_eq!(left, [(role_id::TEACHER, "enrol_self".to_owned())]);
    });

    backend_test!(unassign_roles_checks_every_row_first, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        let teacher = site.user("teacher").await;
        site.enrol(ann.id, course.id, role_id::STUDENT).await;
        site.enrol(teacher.id, course.id, role_id::EDITINGTEACHER).await;
        let context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let args = format!(
            "unassignments[0][roleid]=5&unassignments[0][userid]={}&unassignments[0][contextid]={c}\
             &unassignments[1][roleid]=3&unassignments[1][userid]={}&unassignments[1][contextid]={c}",
            ann.id,
            teacher.id,
            c = context.id
        );
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
        let debuginfo = format!("Can not unassign roleid=3 in contextid={}", context.id);
        assert_eq!(error.debuginfo.unwrap().as_slice(), debuginfo.as_bytes());
        assert_eq!(site.store().role_assignments_in_context(context.id).await.unwrap().len(), 2);
    });

    backend_test!(unassign_roles_refuses_an_empty_user_id, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let ann = site.user("ann").await;
        site.enrol(ann.id, course.id, role_id::STUDENT).await;
        let context =
            site.store().context_by_instance(CONTEXT_COURSE, course.id).await.unwrap().unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "unassignments[0][roleid]=5&unassignments[0][userid]={}&unassignments[0][contextid]={c}\
             &unassignments[1][roleid]=5&unassignments[1][userid]=0&unassignments[1][contextid]={c}",
            ann.id,
            c = context.id
        );
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(
            (error.errorcode.as_ref(), error.message.as_str()),
            (
                "codingerror",
                "Coding error detected, it must be fixed by a programmer: Invalid call to \
                 role_unassign(), please use role_unassign_all() when removing multiple role \
                 assignments"
            )
        );
        assert_eq!(site.store().role_assignments_in_context(context.id).await.unwrap().len(), 1);
    });
}
