//! `core_user_update_users` (spec 04 §4.2): update users in one transaction. Users that may not
//! be updated are skipped with a warning (Moodle 4.1 behaviour) instead of failing the batch.
//!
//! This module owns the skip rules and their warnings, including the site password policy that
//! Moodle's `user_update_user` applies to every password sent; it must never write outside the
//! single `Store::update_users` transaction.

use std::collections::HashMap;

use portico_access::password_policy::PasswordRules;
use portico_engine::install::hash_new_password;
use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{ParamType, Valid, Value};
use portico_store::UserUpdate;
use portico_store::model::{MNET_LOCALHOST_ID, SYSTEM_CONTEXT_ID};

use crate::core_user_create_users::CustomField;
use crate::support::{Warning, config_or, is_siteadmin, require_capability, validate_context};

/// Update users.
pub struct UpdateUsers;

/// A user preference (here, unlike `core_user_create_users`, the name is `PARAM_ALPHANUMEXT`).
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Preference {
    /// The name of the preference
    #[describe(param = AlphaNumExt)]
    pub r#type: String,
    /// The value of the preference
    pub value: String,
}

/// The new values of one user; absent keys keep their value.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct UserChanges {
    /// ID of the user
    pub id: i64,
    /// Username policy is defined in Moodle security config.
    #[describe(param = Username, allow_null = false)]
    pub username: Option<String>,
    /// Auth plugins include manual, ldap, etc
    #[describe(param = Auth, allow_null = false)]
    pub auth: Option<String>,
    /// Suspend user account, either false to enable user login or true to disable it
    pub suspended: Option<bool>,
    /// Plain text password consisting of any characters
    #[describe(allow_null = false)]
    pub password: Option<String>,
    /// The first name(s) of the user
    #[describe(param = NoTags, allow_null = false)]
    pub firstname: Option<String>,
    /// The family name of the user
    #[describe(param = NoTags)]
    pub lastname: Option<String>,
    /// A valid and unique email address
    #[describe(param = RawTrimmed, allow_null = false)]
    pub email: Option<String>,
    /// User email display
    pub maildisplay: Option<i64>,
    /// Home city of the user
    #[describe(param = Text)]
    pub city: Option<String>,
    /// Home country code of the user, such as AU or CZ
    #[describe(param = Alpha)]
    pub country: Option<String>,
    /// Timezone code such as Australia/Perth, or 99 for default
    #[describe(param = Timezone)]
    pub timezone: Option<String>,
    /// User profile description, no HTML
    pub description: Option<String>,
    /// The itemid where the new user picture has been uploaded to, 0 to delete
    pub userpicture: Option<i64>,
    /// The first name(s) phonetically of the user
    #[describe(param = NoTags)]
    pub firstnamephonetic: Option<String>,
    /// The family name phonetically of the user
    #[describe(param = NoTags)]
    pub lastnamephonetic: Option<String>,
    /// The middle name of the user
    #[describe(param = NoTags)]
    pub middlename: Option<String>,
    /// The alternate name of the user
    #[describe(param = NoTags)]
    pub alternatename: Option<String>,
    /// User interests (separated by commas)
    #[describe(param = Text)]
    pub interests: Option<String>,
    /// An arbitrary ID code number perhaps from the institution
    pub idnumber: Option<String>,
    /// Institution
    #[describe(param = Text)]
    pub institution: Option<String>,
    /// Department
    #[describe(param = Text)]
    pub department: Option<String>,
    /// Phone
    #[describe(param = NoTags)]
    pub phone1: Option<String>,
    /// Mobile phone
    #[describe(param = NoTags)]
    pub phone2: Option<String>,
    /// Postal address
    #[describe(param = Text)]
    pub address: Option<String>,
    /// Language code such as "en", must exist on server
    #[describe(param = Lang, allow_null = false)]
    pub lang: Option<String>,
    /// Calendar type such as "gregorian", must exist on server
    #[describe(param = Plugin, allow_null = false)]
    pub calendartype: Option<String>,
    /// Theme name such as "standard", must exist on server
    #[describe(param = Theme)]
    pub theme: Option<String>,
    /// Mail format code is 0 for plain text, 1 for HTML etc
    pub mailformat: Option<i64>,
    /// User custom fields (also known as user profil fields)
    pub customfields: Option<Vec<CustomField>>,
    /// User preferences
    pub preferences: Option<Vec<Preference>>,
}

/// Parameters of `core_user_update_users`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// The users to update.
    pub users: Vec<UserChanges>,
}

/// What `core_user_update_users` returns.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Returns {
    /// list of warnings
    #[describe(optional)]
    pub warnings: Vec<Warning>,
}

/// Authentication plugins whose passwords Moodle stores itself (`is_internal`).
const INTERNAL_AUTHS: [&str; 3] = ["manual", "email", "none"];

fn skipped(id: i64, code: &str, message: &str) -> Warning {
    Warning::new("user", id, code, message)
}

impl ExternalFunction for UpdateUsers {
    const NAME: &'static str = "core_user_update_users";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Update users.";
    const KIND: CallKind = CallKind::Write;
    const AJAX: bool = true;
    const CAPABILITIES: &'static [&'static str] = &["moodle/user:update"];
    type Args = Args;
    type Returns = Returns;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Returns, CallError> {
        let store = context.store()?;
        // Moodle checks the capability before validating the context here (spec 04 §4.2).
        require_capability(context, "moodle/user:update", SYSTEM_CONTEXT_ID).await?;
        validate_context(context, &store.system_context().await?).await?;
        let site = context.site();
        let allow_same_email = config_or(context, "allowaccountssameemail", "0").await? == "1";
        let images_disabled = config_or(context, "disableuserimages", "0").await? == "1";
        let guest = config_or(context, "siteguest", "1").await?.parse::<i64>().unwrap_or(1);
        let caller_is_admin = is_siteadmin(context, context.user_id()).await?;
        let rules = PasswordRules::from_settings(&*context.access()?.settings().await?);
        let now = crate::now();
        let mut warnings = Vec::new();
        let mut batch: Vec<UserUpdate> = Vec::new();
        // Emails given to users earlier in this batch, lowercase, by user id: inside Moodle's
        // transaction the later duplicate check sees them.
        let mut batch_emails: HashMap<String, i64> = HashMap::new();
        for changes in args.into_inner().users {
            let id = changes.id;
            // A user listed twice is updated from its state after the first update.
            let existing = match batch.iter().rposition(|update| update.user.id == id) {
                Some(index) => Some(batch[index].user.clone()),
                None => store.user_by_id(id).await?,
            };
            let Some(mut user) = existing else {
                warnings.push(skipped(id, "invaliduserid", "Invalid user ID"));
                continue;
            };
            if user.id != context.user_id() && !caller_is_admin && is_siteadmin(context, id).await?
            {
                warnings.push(skipped(id, "usernotupdatedadmin", "Cannot update admin accounts"));
                continue;
            }
            if user.deleted != 0 {
                warnings.push(skipped(id, "usernotupdateddeleted", "User is a deleted user"));
                continue;
            }
            if user.mnethostid != MNET_LOCALHOST_ID {
                warnings.push(skipped(id, "usernotupdatedremote", "User is a remote user"));
                continue;
            }
            if user.id == guest {
                warnings.push(skipped(id, "usernotupdatedguest", "Cannot update guest account"));
                continue;
            }
            let mut new_email = None;
            if let Some(email) = changes.email.as_deref().filter(|email| *email != user.email) {
                let value = Value::from(email);
                if email.is_empty() || clean(&value, ParamType::Email, site) != value {
                    warnings.push(skipped(id, "useremailinvalid", "Invalid email address"));
                    continue;
                }
                let key = email.to_lowercase();
                let taken =
                    !allow_same_email
                        && (batch_emails.get(&key).is_some_and(|owner| *owner != id)
                            || store.users_by_email(email).await?.iter().any(|other| {
                                other.mnethostid == MNET_LOCALHOST_ID && other.id != id
                            }));
                if taken {
                    warnings.push(skipped(id, "useremailduplicate", "Duplicate email address"));
                    continue;
                }
                new_email = Some(key);
            }
            // Moodle's `user_update_user` checks any password sent (even an empty one) against
            // the site policy and throws `moodle_exception($errmsg)`: the warning's code is the
            // HTML list of broken rules, which is no PARAM_ALPHANUM, so, as in Moodle, the answer
            // then fails return validation after the other users were written.
            if let Some(broken) = changes.password.as_deref().and_then(|p| rules.check(p)) {
                warnings.push(skipped(id, &broken, &format!("error/{broken}")));
                continue;
            }
            if let Some(key) = new_email {
                batch_emails.insert(key, id);
            }
            apply(&mut user, &changes);
            if let Some(password) = changes.password.as_deref().filter(|p| !p.is_empty())
                && INTERNAL_AUTHS.contains(&user.auth.as_str())
            {
                user.password = hash_new_password(password)?;
            }
            if !images_disabled && changes.userpicture == Some(0) {
                user.picture = 0;
            }
            // FIXME(#5): a non-zero `userpicture` names a draft file area; Portico has no file
            // storage yet, so the picture is left as it is. Interests need tags and custom
            // profile fields are not defined in Portico: both are ignored, as Moodle ignores
            // unknown custom fields.
            user.timemodified = now;
            let preferences = changes
                .preferences
                .iter()
                .flatten()
                .map(|preference| (preference.r#type.clone(), preference.value.clone()))
                .collect();
            // Moodle ends the sessions whenever `suspended` is set true, even if it was already.
            let end_sessions = changes.suspended == Some(true);
            batch.push(UserUpdate { user, preferences, end_sessions });
        }
        store.update_users(&batch).await?;
        Ok(Returns { warnings })
    }
}

/// Copies every given field of `changes` onto `user`.
fn apply(user: &mut portico_store::model::User, changes: &UserChanges) {
    let text = |target: &mut String, value: &Option<String>| {
        if let Some(value) = value {
            target.clone_from(value);
        }
    };
    text(&mut user.username, &changes.username);
    text(&mut user.auth, &changes.auth);
    text(&mut user.firstname, &changes.firstname);
    text(&mut user.lastname, &changes.lastname);
    text(&mut user.email, &changes.email);
    text(&mut user.city, &changes.city);
    text(&mut user.country, &changes.country);
    text(&mut user.timezone, &changes.timezone);
    text(&mut user.idnumber, &changes.idnumber);
    text(&mut user.institution, &changes.institution);
    text(&mut user.department, &changes.department);
    text(&mut user.phone1, &changes.phone1);
    text(&mut user.phone2, &changes.phone2);
    text(&mut user.address, &changes.address);
    text(&mut user.lang, &changes.lang);
    // Moodle's user_update_user leaves the calendar type alone when the one sent is empty.
    let calendartype = changes.calendartype.clone().filter(|calendar| !calendar.is_empty());
    text(&mut user.calendartype, &calendartype);
    text(&mut user.theme, &changes.theme);
    let optional = |target: &mut Option<String>, value: &Option<String>| {
        if value.is_some() {
            target.clone_from(value);
        }
    };
    optional(&mut user.description, &changes.description);
    optional(&mut user.firstnamephonetic, &changes.firstnamephonetic);
    optional(&mut user.lastnamephonetic, &changes.lastnamephonetic);
    optional(&mut user.middlename, &changes.middlename);
    optional(&mut user.alternatename, &changes.alternatename);
    if let Some(suspended) = changes.suspended {
        user.suspended = i64::from(suspended);
    }
    if let Some(maildisplay) = changes.maildisplay {
        user.maildisplay = maildisplay;
    }
    if let Some(mailformat) = changes.mailformat {
        user.mailformat = mailformat;
    }
}

#[cfg(test)]
mod tests {
    use portico_access::password::{PasswordPolicy, verify_password};
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::MNET_LOCALHOST_ID;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_user_update_users";

    fn warnings(result: &Value) -> Vec<(Value, Value, Value)> {
        let Value::Array(list) = field(result, "warnings") else { panic!("a list") };
        list.iter()
            .map(|(_, w)| (field(w, "itemid"), field(w, "warningcode"), field(w, "message")))
            .collect()
    }

    backend_test!(update_users_changes_fields_and_password, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        let session = portico_store::model::Session {
            id: 0,
            state: 0,
            sid: "annsession".to_owned(),
            userid: ann.id,
            sessdata: None,
            timecreated: 1,
            timemodified: 1,
            firstip: None,
            lastip: None,
        };
        site.store().create_session(&session).await.unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "users[0][id]={}&users[0][firstname]=Anna&users[0][email]=anna@example.com\
             &users[0][city]=Perth&users[0][password]=N3w!pass&users[0][suspended]=1\
             &users[0][calendartype]=\
             &users[0][preferences][0][type]=htmleditor&users[0][preferences][0][value]=textarea",
            ann.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert!(warnings(&result).is_empty());
        let stored = site.store().user_by_id(ann.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.firstname.as_str(), stored.lastname.as_str(), stored.email.as_str()),
            ("Anna", "Lastann", "anna@example.com")
        );
        assert_eq!((stored.city.as_str(), stored.suspended), ("Perth", 1));
        // An empty calendar type is ignored.
        assert_eq!(stored.calendartype, "gregorian");
        let policy = PasswordPolicy::default();
        assert!(verify_password("N3w!pass", &stored.password, &policy).is_some());
        assert!(verify_password("Passw0rd!", &stored.password, &policy).is_none());
        let preference = site.store().get_user_preference(ann.id, "htmleditor").await.unwrap();
        assert_eq!(preference.as_deref(), Some("textarea"));
        // Suspending ends the user's browser sessions.
        assert_eq!(site.store().count_user_sessions(ann.id).await.unwrap(), 0);
    });

    backend_test!(update_users_skips_with_warnings, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args = format!(
            "users[0][id]=999999&users[0][city]=X\
             &users[1][id]=1&users[1][city]=X\
             &users[2][id]={ann}&users[2][email]=not-an-email\
             &users[3][id]={ann}&users[3][email]=BOB@example.com\
             &users[4][id]={bob}&users[4][city]=Oslo",
            ann = ann.id,
            bob = bob.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        let expected = [
            (999999, "invaliduserid", "Invalid user ID"),
            (1, "usernotupdatedguest", "Cannot update guest account"),
            (ann.id, "useremailinvalid", "Invalid email address"),
            (ann.id, "useremailduplicate", "Duplicate email address"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(id, code, message)| (Value::Int(*id), Value::from(*code), Value::from(*message)))
            .collect();
        assert_eq!(warnings(&result), expected);
        let stored = site.store().user_by_id(ann.id).await.unwrap().unwrap();
        assert_eq!(stored.email, "ann@example.com");
        let stored = site.store().user_by_id(bob.id).await.unwrap().unwrap();
        assert_eq!(stored.city, "Oslo");

        // A deleted user is skipped too.
        site.store().delete_user(bob.id).await.unwrap();
        let args = format!("users[0][id]={}&users[0][city]=Rome", bob.id);
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        let codes: Vec<_> = warnings(&result).into_iter().map(|(_, code, _)| code).collect();
        assert_eq!(codes, [Value::from("usernotupdateddeleted")]);
    });

    backend_test!(update_users_protects_admins_from_non_admins, |store: Store| async move {
        let site = TestSite::install(store).await;
        let manager = site.user("manager1").await;
        let ann = site.user("ann").await;
        let role = site.store().role_by_shortname("manager").await.unwrap().unwrap();
        site.store()
            .assign_role(&portico_store::NewRoleAssignment {
                roleid: role.id,
                contextid: 1,
                userid: manager.id,
                component: String::new(),
                itemid: 0,
                modifierid: site.admin.id,
            })
            .await
            .unwrap();
        let caller = site.custom_caller(manager.id, &[NAME]).await;
        let args = format!(
            "users[0][id]={}&users[0][city]=X&users[1][id]={}&users[1][city]=Y",
            site.admin.id, ann.id
        );
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        let expected = vec![(
            Value::Int(site.admin.id),
            Value::from("usernotupdatedadmin"),
            Value::from("Cannot update admin accounts"),
        )];
        assert_eq!(warnings(&result), expected);
        let stored = site.store().user_by_id(ann.id).await.unwrap().unwrap();
        assert_eq!(stored.city, "Y");
    });

    backend_test!(update_users_requires_the_capability, |store: Store| async move {
        let site = TestSite::install(store).await;
        let user = site.user("teacher1").await;
        let caller = site.custom_caller(user.id, &[NAME]).await;
        let args = format!("users[0][id]={}&users[0][city]=X", user.id);
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(error.class, "required_capability_exception");
        assert_eq!(error.errorcode, "nopermissions");
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Update user profiles)."
        );
    });

    backend_test!(update_users_applies_the_password_policy, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        let before = site.store().user_by_id(bob.id).await.unwrap().unwrap();
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        // Moodle's warning code for a weak password is the HTML list of broken rules, which
        // fails return validation (PARAM_ALPHANUM); the other users were updated all the same.
        let args = format!(
            "users[0][id]={}&users[0][city]=Paris&users[1][id]={}&users[1][city]=Rome\
             &users[1][password]=weak",
            ann.id, bob.id
        );
        let error = site.call(Some(&caller), NAME, &args).await.unwrap_err();
        assert_eq!(
            (error.class, error.errorcode.as_ref()),
            ("invalid_response_exception", "invalidresponse")
        );
        let debuginfo = String::from_utf8_lossy(&error.debuginfo.unwrap()).into_owned();
        assert!(
            debuginfo.contains(
                "<div>Passwords must be at least 8 characters long.</div>\
                 <div>Passwords must have at least 1 digit(s).</div>"
            ),
            "{debuginfo}"
        );
        assert_eq!(site.store().user_by_id(ann.id).await.unwrap().unwrap().city, "Paris");
        let stored = site.store().user_by_id(bob.id).await.unwrap().unwrap();
        assert_eq!((stored.city.as_str(), stored.password), ("", before.password));
        // With the policy off the same password is accepted.
        site.store().set_config("passwordpolicy", "0").await.unwrap();
        let result = site.call(Some(&caller), NAME, &args).await.unwrap();
        assert!(warnings(&result).is_empty());
        let stored = site.store().user_by_id(bob.id).await.unwrap().unwrap();
        assert_eq!(stored.city, "Rome");
        assert!(verify_password("weak", &stored.password, &PasswordPolicy::default()).is_some());
    });

    #[test]
    fn update_users_is_declared_for_ajax() {
        let registry = crate::registry();
        let info = registry.get(NAME).unwrap().info().clone();
        assert!(info.ajax);
        assert!(info.services.is_empty());
    }

    backend_test!(update_users_is_atomic, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        let bob = site.user("bob").await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        // The second update takes a username that exists: the database refuses it, and the
        // first update must be rolled back with it.
        let args = format!(
            "users[0][id]={}&users[0][city]=Paris&users[1][id]={}&users[1][username]=admin",
            ann.id, bob.id
        );
        site.call(Some(&caller), NAME, &args).await.unwrap_err();
        let stored = site.store().user_by_id(ann.id).await.unwrap().unwrap();
        assert_eq!(stored.city, "");
        let admin = site.store().user_by_username("admin", MNET_LOCALHOST_ID).await.unwrap();
        assert_eq!(admin.map(|user| user.id), Some(site.admin.id));
    });
    #[test]
    fn update_users_returns_moodles_external_warnings() {
        crate::testing::assert_declares_warnings(NAME);
    }
    #[test]
    fn update_users_refuses_null_where_moodle_does() {
        use crate::testing::param_allows_null;
        for key in ["username", "auth", "password", "firstname", "email", "lang", "calendartype"] {
            assert!(!param_allows_null(NAME, &["users", key]), "{key}");
        }
        assert!(param_allows_null(NAME, &["users", "lastname"]));
    }
}
