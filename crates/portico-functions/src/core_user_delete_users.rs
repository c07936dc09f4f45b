//! `core_user_delete_users` (spec 04 §4.3): soft-delete users in one transaction; the first
//! missing user, site administrator or the caller themself aborts the batch.

use md5::{Digest, Md5};
use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{Exception, ParamType, Valid, Value};
use portico_store::{DeletedUser, StoreError};

use crate::core_user_get_users_by_field::text_of;
use crate::support::{is_siteadmin, require_capability, validate_context};

/// Delete users.
pub struct DeleteUsers;

/// Parameters of `core_user_delete_users`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// user ID
    pub userids: Vec<i64>,
}

impl ExternalFunction for DeleteUsers {
    const NAME: &'static str = "core_user_delete_users";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Delete users.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/user:delete"];
    type Args = Args;
    type Returns = ();

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<(), CallError> {
        let store = context.store()?;
        let system = store.system_context().await?;
        // Moodle checks the capability before validating the context here.
        require_capability(context, "moodle/user:delete", system.id).await?;
        validate_context(context, &system).await?;
        let now = crate::now();
        let mut batch: Vec<DeletedUser> = Vec::new();
        for id in args.into_inner().userids {
            let user = match store.user_by_id(id).await? {
                Some(user) if user.deleted == 0 && !batch.iter().any(|d| d.id == id) => user,
                _ => return Err(StoreError::NotFound { entity: "user", id }.into()),
            };
            if is_siteadmin(context, user.id).await? {
                return Err(Exception::moodle(
                    "useradminodelete",
                    "error",
                    "Administrator accounts can not be deleted",
                )
                .into());
            }
            if user.id == context.user_id() {
                return Err(Exception::moodle(
                    "usernotdeletederror",
                    "error",
                    "User not deleted - unknown error",
                )
                .into());
            }
            // Moodle frees the username for reuse with a unique placeholder built from the
            // email and the time, and keeps only a hash of the old username.
            let mut stamp = now;
            let username = loop {
                let candidate = Value::from(format!("{}.{stamp}", user.email).as_str());
                let candidate = text_of(&clean(&candidate, ParamType::Username, context.site()));
                let taken = batch.iter().any(|d| d.username == candidate)
                    || store.user_by_username(&candidate, user.mnethostid).await?.is_some();
                if !taken {
                    break candidate;
                }
                stamp += 1;
            };
            let email: String = Md5::digest(user.username.as_bytes())
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            batch.push(DeletedUser { id, username, email });
        }
        store.delete_users(&batch).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::TestSite;

    const NAME: &str = "core_user_delete_users";

    backend_test!(delete_users_soft_deletes_the_batch, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!("userids[0]={}&userids[1]={}", ann.id, bob.id);
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert_eq!(result, Value::Null);
        let ann = site.store().user_by_id(ann.id).await.unwrap().unwrap();
        assert_eq!(ann.deleted, 1);
        assert!(ann.username.starts_with("ann@example.com."), "{}", ann.username);
        assert_eq!(ann.email.len(), 32);
        assert_eq!(ann.idnumber, "");
        assert_eq!(site.store().user_by_id(bob.id).await.unwrap().unwrap().deleted, 1);
    });

    backend_test!(delete_users_reports_each_error_and_deletes_nothing, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        let manager = site.user("manager").await;
        site.store()
            .set_config("siteadmins", &format!("{},{}", site.admin.id, manager.id))
            .await
            .unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let cases = [
            (
                999_999,
                "dml_missing_record_exception",
                "invalidrecord",
                "Can't find data record in database table user.",
            ),
            (
                manager.id,
                "moodle_exception",
                "useradminodelete",
                "Administrator accounts can not be deleted",
            ),
        ];
        for (second, class, errorcode, message) in cases {
            let args = format!("userids[0]={}&userids[1]={second}", ann.id);
            let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
            assert_eq!(
                (error.class, error.errorcode.as_ref(), error.message.as_str()),
                (class, errorcode, message)
            );
            // Atomic: the valid first user was not deleted either.
            assert_eq!(site.store().user_by_id(ann.id).await.unwrap().unwrap().deleted, 0);
        }
        // The same user twice: the second lookup finds a deleted user.
        let args = format!("userids[0]={}&userids[1]={}", ann.id, ann.id);
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "invalidrecord");
        // A caller who is not an administrator cannot delete themself.
        let deleter = site.user("deleter").await;
        let role = site.store().role_by_shortname("manager").await.unwrap().unwrap();
        site.store()
            .assign_role(&portico_store::NewRoleAssignment {
                roleid: role.id,
                contextid: 1,
                userid: deleter.id,
                component: String::new(),
                itemid: 0,
                modifierid: site.admin.id,
            })
            .await
            .unwrap();
        let caller = site.custom_caller(deleter.id, &[NAME]).await;
        let args = format!("userids[0]={}&userids[1]={}", ann.id, deleter.id);
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "usernotdeletederror");
        assert_eq!(error.message, "User not deleted - unknown error");
        assert_eq!(site.store().user_by_id(ann.id).await.unwrap().unwrap().deleted, 0);
    });

    backend_test!(delete_users_requires_the_capability, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        let teacher = site.user("teacher1").await;
        let caller = site.custom_caller(teacher.id, &[NAME]).await;
        let args = format!("userids[0]={}", ann.id);
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "nopermissions");
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Delete users)."
        );
        // The capability is checked before the context: a token restricted to a category
        // gets `nopermissions` without the capability, the context error with it.
        let category = site.category("Science", 0).await;
        let category_context = site
            .store()
            .context_by_instance(portico_store::model::CONTEXT_COURSECAT, category.id)
            .await
            .unwrap()
            .unwrap();
        let restricted = portico_access::Caller { contextid: category_context.id, ..caller };
        let error = site.call(Some(&restricted), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "nopermissions");
        let admin = site.custom_caller(site.admin.id, &[NAME]).await;
        let restricted = portico_access::Caller { contextid: category_context.id, ..admin };
        let error = site.call(Some(&restricted), NAME, &args).await.unwrap_err();
        assert_eq!(error.errorcode, "restrictedcontextexception");
        assert_eq!(site.store().user_by_id(ann.id).await.unwrap().unwrap().deleted, 0);
    });
}
