//! `core_group_add_group_members` (spec 04 §8.3): add users to groups in one transaction; the
//! first invalid membership aborts the batch and nothing is added.
//!
//! Checks per membership, in Moodle's order: the group exists, the user exists (local, not
//! deleted), the group's course context, `moodle/course:managegroups`, and the user has an
//! enrolment in the course (active or not). An existing membership is left as it is.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::{Exception, Valid};
use portico_store::GroupMembership;

use crate::groups::{Member, check_member};

/// Adds group members.
pub struct AddGroupMembers;

/// Parameters of `core_group_add_group_members`.
#[derive(Debug, Describe)]
pub struct Args {
    /// The memberships.
    pub members: Vec<Member>,
}

impl ExternalFunction for AddGroupMembers {
    const NAME: &'static str = "core_group_add_group_members";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Adds group members.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/course:managegroups"];
    type Args = Args;
    type Returns = ();

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<(), CallError> {
        let store = context.store()?;
        let mut batch = Vec::new();
        for member in args.into_inner().members {
            let (courseid, user) = check_member(context, &member).await?;
            if !store.is_enrolled(courseid, user.id, false, crate::now()).await? {
                return Err(Exception::invalid_parameter(
                    "Only enrolled users may be members of groups",
                )
                .into());
            }
            batch.push(GroupMembership { groupid: member.groupid, userid: user.id });
        }
        store.add_group_members(&batch, "", 0).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::model::Group;
    use portico_store::{NewGroup, Store};
    use portico_testkit::backend_test;

    use crate::testing::TestSite;

    const NAME: &str = "core_group_add_group_members";

    async fn group(site: &TestSite, courseid: i64, name: &str) -> Group {
        let new = NewGroup { courseid, name: name.to_owned(), ..NewGroup::default() };
        site.store().create_groups(&[new]).await.unwrap().remove(0)
    }

    async fn members(site: &TestSite, groupid: i64) -> Vec<i64> {
        let members = site.store().group_members(groupid).await.unwrap();
        members.into_iter().map(|m| m.userid).collect()
    }

    backend_test!(add_group_members_adds_enrolled_users_once, |store: Store| async move {
        let site = TestSite::install(store).await;
        let category = site.category("Science", 0).await;
        let course = site.course("BIO1", category.id).await;
        let red = group(&site, course.id, "Red").await;
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        site.enrol(ann.id, course.id, 5).await;
        site.enrol(bob.id, course.id, 5).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "members[0][groupid]={g}&members[0][userid]={}&members[1][groupid]={g}\
             &members[1][userid]={}&members[2][groupid]={g}&members[2][userid]={}",
            ann.id,
            bob.id,
            ann.id,
            g = red.id
        );
        assert_eq!(site.call(Some(&caller), NAME, &args).await.unwrap(), Value::Null);
        assert_eq!(members(&site, red.id).await, [ann.id, bob.id]);
        // Adding an existing member again is a no-op.
        site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(members(&site, red.id).await, [ann.id, bob.id]);
        let member = site.store().group_member(red.id, ann.id).await.unwrap().unwrap();
        assert_eq!((member.component.as_str(), member.itemid), ("", 0));
    });

    backend_test!(
        add_group_members_reports_each_error_and_adds_nothing,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let category = site.category("Science", 0).await;
            let course = site.course("BIO1", category.id).await;
            let red = group(&site, course.id, "Red").await;
            let ann = site.user("ann").await;
            site.enrol(ann.id, course.id, 5).await;
            let stranger = site.user("stranger").await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let cases = [
                (
                    999_999,
                    ann.id,
                    "invalidrecord",
                    "Can't find data record in database table groups.",
                ),
                (
                    red.id,
                    999_999,
                    "invalidrecord",
                    "Can't find data record in database table user.",
                ),
                (red.id, stranger.id, "invalidparameter", "Invalid parameter value detected"),
            ];
            for (groupid, userid, errorcode, message) in cases {
                let args = format!(
                    "members[0][groupid]={}&members[0][userid]={}&members[1][groupid]={groupid}\
                 &members[1][userid]={userid}",
                    red.id, ann.id
                );
                let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
                assert_eq!(
                    (error.errorcode.as_ref(), error.message.as_str()),
                    (errorcode, message)
                );
                assert!(members(&site, red.id).await.is_empty(), "{errorcode}");
            }
            let args = format!("members[0][groupid]={}&members[0][userid]={}", red.id, stranger.id);
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(
                error.debuginfo.unwrap(),
                b"Only enrolled users may be members of groups".as_slice()
            );
            // A student may not manage groups.
            let caller = site.custom_caller(ann.id, &[NAME]).await;
            let args = format!("members[0][groupid]={}&members[0][userid]={}", red.id, ann.id);
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(error.errorcode, "nopermissions");
            assert_eq!(
                error.message,
                "Sorry, but you do not currently have permissions to do that (Manage groups)."
            );
        }
    );
}
