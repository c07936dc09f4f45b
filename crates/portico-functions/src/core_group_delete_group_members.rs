//! `core_group_delete_group_members` (spec 04 §8.4): remove users from groups in one
//! transaction; the first invalid membership aborts the batch and nothing is removed.
//!
//! Checks per membership, in Moodle's order: the group exists, the user exists (local, not
//! deleted), the group's course context, `moodle/course:managegroups`, and the membership is not
//! one a plugin manages and refuses to let go (`errorremovenotpermitted`). Removing a
//! membership that does not exist is a no-op.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::GroupMembership;

use crate::groups::{Member, check_member};
use crate::support::fullname;

/// Deletes group members.
pub struct DeleteGroupMembers;

/// Parameters of `core_group_delete_group_members`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The memberships.
    pub members: Vec<Member>,
}

/// Plugins whose `allow_group_member_remove` callback refuses removal of the memberships they
/// made (Moodle core: cohort sync). A membership of any other component may be removed, as
/// Moodle allows when a plugin has no such callback.
const PROTECTED_COMPONENTS: [&str; 1] = ["enrol_cohort"];

impl ExternalFunction for DeleteGroupMembers {
    const NAME: &'static str = "core_group_delete_group_members";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Deletes group members.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/course:managegroups"];
    type Args = Args;
    type Returns = ();

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<(), CallError> {
        let store = context.store()?;
        let mut batch = Vec::new();
        for member in args.into_inner().members {
            let (_, user) = check_member(context, &member).await?;
            let existing = store.group_member(member.groupid, user.id).await?;
            if existing.is_some_and(|m| PROTECTED_COMPONENTS.contains(&m.component.as_str())) {
                return Err(Exception::moodle(
                    "errorremovenotpermitted",
                    "group",
                    format!(
                        "You do not have permission to remove automatically-added group member {}",
                        fullname(&user)
                    ),
                )
                .into());
            }
            batch.push(GroupMembership { groupid: member.groupid, userid: user.id });
        }
        store.remove_group_members(&batch).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::{GroupMembership, NewGroup, Store};
    use portico_testkit::backend_test;

    use crate::testing::TestSite;

    const NAME: &str = "core_group_delete_group_members";

    backend_test!(delete_group_members_removes_the_batch, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let new = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
        let red = site.store().create_groups(&[new]).await.unwrap().remove(0);
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        for user in [&ann, &bob] {
            site.enrol(user.id, course.id, 5).await;
        }
        let memberships = [
            GroupMembership { groupid: red.id, userid: ann.id },
            GroupMembership { groupid: red.id, userid: bob.id },
        ];
        site.store().add_group_members(&memberships, "", 0).await.unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        // Ann twice: the second removal finds nothing and is a no-op.
        let args = format!(
            "members[0][groupid]={g}&members[0][userid]={a}&members[1][groupid]={g}\
             &members[1][userid]={a}",
            g = red.id,
            a = ann.id
        );
        assert_eq!(site.call(Some(&caller), NAME, &args).await.unwrap(), Value::Null);
        let left = site.store().group_members(red.id).await.unwrap();
        assert_eq!(left.iter().map(|m| m.userid).collect::<Vec<_>>(), [bob.id]);
    });

    backend_test!(
        delete_group_members_reports_each_error_and_removes_nothing,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let course = site.course("BIO1", category.id).await;
            let new = NewGroup { courseid: course.id, name: "Red".into(), ..NewGroup::default() };
            let red = site.store().create_groups(&[new]).await.unwrap().remove(0);
            let ann = site.user("ann").await;
            site.enrol(ann.id, course.id, 5).await;
            site.store()
                .add_group_members(&[GroupMembership { groupid: red.id, userid: ann.id }], "", 0)
                .await
                .unwrap();
            let bob = site.user("bob").await;
            site.enrol(bob.id, course.id, 5).await;
            // Bob came in through cohort sync, whose memberships cannot be removed by hand.
            site.store()
                .add_group_members(
                    &[GroupMembership { groupid: red.id, userid: bob.id }],
                    "enrol_cohort",
                    4,
                )
                .await
                .unwrap();
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            for (groupid, userid, message) in [
                (999_999, ann.id, "Can't find data record in database table groups."),
                (red.id, 999_999, "Can't find data record in database table user."),
            ] {
                let args = format!(
                    "members[0][groupid]={}&members[0][userid]={}&members[1][groupid]={groupid}\
                 &members[1][userid]={userid}",
                    red.id, ann.id
                );
                let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
                assert_eq!(
                    (error.errorcode.as_ref(), error.message.as_str()),
                    ("invalidrecord", message)
                );
                assert_eq!(site.store().group_members(red.id).await.unwrap().len(), 2);
            }
            let args = format!(
                "members[0][groupid]={g}&members[0][userid]={}&members[1][groupid]={g}\
             &members[1][userid]={}",
                ann.id,
                bob.id,
                g = red.id
            );
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(
                (error.class, error.errorcode.as_ref(), error.message.as_str()),
                (
                    "moodle_exception",
                    "errorremovenotpermitted",
                    "You do not have permission to remove automatically-added group member Firstbob Lastbob"
                )
            );
            assert_eq!(site.store().group_members(red.id).await.unwrap().len(), 2);
            let caller = site.custom_caller(ann.id, &[NAME]).await;
            let args = format!("members[0][groupid]={}&members[0][userid]={}", red.id, ann.id);
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "nopermissions");
            assert_eq!(site.store().group_members(red.id).await.unwrap().len(), 2);
        }
    );
}
