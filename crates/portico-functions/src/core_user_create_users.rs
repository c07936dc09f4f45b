//! `core_user_create_users` (spec 04 §4.1): create local users in one transaction; the first
//! invalid user aborts the batch and nothing is created.

use std::collections::HashSet;

use portico_access::password_policy::PasswordRules;
use portico_engine::install::{hash_new_password, new_local_user};
use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{Exception, ParamType, Valid, Value};
use portico_store::model::{MNET_LOCALHOST_ID, SYSTEM_CONTEXT_ID};

use crate::support::{config_or, require_capability, validate_context};

/// Create users.
pub struct CreateUsers;

/// A custom profile field value.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct CustomField {
    /// The name of the custom field
    #[describe(param = AlphaNumExt)]
    pub r#type: String,
    /// The value of the custom field
    pub value: String,
}

/// A user preference.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Preference {
    /// The name of the preference
    pub r#type: String,
    /// The value of the preference
    pub value: String,
}

/// A user to create.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct NewUser {
    /// True if password should be created and mailed to user.
    pub createpassword: Option<bool>,
    /// Username policy is defined in Moodle security config.
    #[describe(param = Username)]
    pub username: String,
    /// Auth plugins include manual, ldap, etc
    #[describe(default = "manual", param = Auth, allow_null = false)]
    pub auth: String,
    /// Plain text password consisting of any characters
    pub password: Option<String>,
    /// The first name(s) of the user
    #[describe(param = NoTags)]
    pub firstname: String,
    /// The family name of the user
    #[describe(param = NoTags)]
    pub lastname: String,
    /// A valid and unique email address
    #[describe(param = RawTrimmed)]
    pub email: String,
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
    #[describe(default = "")]
    pub idnumber: String,
    /// institution
    #[describe(param = Text)]
    pub institution: Option<String>,
    /// department
    #[describe(param = Text)]
    pub department: Option<String>,
    /// Phone 1
    #[describe(param = NoTags)]
    pub phone1: Option<String>,
    /// Phone 2
    #[describe(param = NoTags)]
    pub phone2: Option<String>,
    /// Postal address
    #[describe(param = Text)]
    pub address: Option<String>,
    /// Language code such as "en", must exist on server
    #[describe(default = "en", param = Lang, allow_null = false)]
    pub lang: String,
    /// Calendar type such as "gregorian", must exist on server
    #[describe(default = "gregorian", param = Plugin)]
    pub calendartype: String,
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

/// Parameters of `core_user_create_users`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// The users to create.
    pub users: Vec<NewUser>,
}

/// A created user.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Created {
    /// user id
    pub id: i64,
    /// user name
    #[describe(param = Username)]
    pub username: String,
}

/// Authentication plugins whose passwords Moodle stores itself (`is_internal`).
const INTERNAL_AUTHS: [&str; 3] = ["manual", "email", "none"];

fn invalid(debuginfo: String) -> CallError {
    Exception::invalid_parameter(debuginfo).into()
}

impl ExternalFunction for CreateUsers {
    const NAME: &'static str = "core_user_create_users";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Create users.";
    const KIND: CallKind = CallKind::Write;
    const CAPABILITIES: &'static [&'static str] = &["moodle/user:create"];
    type Args = Args;
    type Returns = Vec<Created>;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Vec<Created>, CallError> {
        let store = context.store()?;
        validate_context(context, &store.system_context().await?).await?;
        require_capability(context, "moodle/user:create", SYSTEM_CONTEXT_ID).await?;
        let site = context.site();
        let allow_same_email = config_or(context, "allowaccountssameemail", "0").await? == "1";
        let rules = PasswordRules::from_settings(&*context.access()?.settings().await?);
        let mut batch = Vec::new();
        // Users of this batch count as existing for the later ones, as they would inside
        // Moodle's transaction.
        let mut usernames = HashSet::new();
        let mut emails = HashSet::new();
        for new in args.into_inner().users {
            for (field, value) in [
                ("username", &new.username),
                ("firstname", &new.firstname),
                ("lastname", &new.lastname),
            ] {
                if value.trim().is_empty() {
                    return Err(invalid(format!("The field {field} cannot be blank")));
                }
            }
            if usernames.contains(&new.username)
                || store.user_by_username(&new.username, MNET_LOCALHOST_ID).await?.is_some()
            {
                return Err(invalid(format!("Username already exists: {}", new.username)));
            }
            let auth_known = site.installed.auth_plugins.contains(&new.auth)
                && new.auth != "mnet"
                && new.auth != "webservice";
            if !auth_known {
                return Err(invalid(format!("Invalid authentication type: {}", new.auth)));
            }
            if !site.installed.languages.contains(&new.lang) {
                return Err(invalid(format!("Invalid language code: {}", new.lang)));
            }
            if let Some(theme) = new.theme.as_deref().filter(|theme| !theme.is_empty())
                && !site.installed.themes.contains(theme)
            {
                return Err(invalid(format!("Invalid theme: {theme}")));
            }
            let createpassword = new.createpassword.unwrap_or(false);
            let password = new.password.clone().unwrap_or_default();
            let internal = INTERNAL_AUTHS.contains(&new.auth.as_str());
            if internal && password.is_empty() && !createpassword {
                return Err(invalid(
                    "Invalid password: you must provide a password, or set createpassword."
                        .to_owned(),
                ));
            }
            let email_value = Value::from(new.email.as_str());
            if new.email.is_empty() || clean(&email_value, ParamType::Email, site) != email_value {
                return Err(invalid(format!("Email address is invalid: {}", new.email)));
            }
            let email_key = new.email.to_lowercase();
            if !allow_same_email
                && (emails.contains(&email_key)
                    || store
                        .users_by_email(&new.email)
                        .await?
                        .iter()
                        .any(|user| user.mnethostid == MNET_LOCALHOST_ID))
            {
                return Err(invalid(format!("Email address already exists: {}", new.email)));
            }
            // `user_create_user($user, true, …)` applies the site password policy to any
            // password sent unless one is to be created, whatever the authentication plugin;
            // Moodle's error code is then the HTML list of broken rules (spec 04 §4.1).
            if !createpassword
                && let Some(sent) = new.password.as_deref()
                && let Some(broken) = rules.check(sent)
            {
                let message = format!("error/{broken}");
                return Err(Exception::moodle(broken, "error", message).into());
            }
            let hash = if !internal {
                // External authentication: Moodle stores its "not cached" marker.
                "not cached".to_owned()
            } else if createpassword {
                String::new()
            } else {
                hash_new_password(&password)?
            };
            let mut user =
                new_local_user(&new.username, hash, &new.firstname, &new.lastname, &new.email);
            user.auth = new.auth.clone();
            user.idnumber = new.idnumber.clone();
            user.lang = new.lang.clone();
            user.calendartype = new.calendartype.clone();
            user.maildisplay = new.maildisplay.unwrap_or(user.maildisplay);
            user.mailformat = new.mailformat.unwrap_or(user.mailformat);
            user.city = new.city.clone().unwrap_or_default();
            user.country = new.country.clone().unwrap_or_default();
            user.timezone = new.timezone.clone().unwrap_or_else(|| "99".to_owned());
            user.description = new.description.clone();
            user.firstnamephonetic = new.firstnamephonetic.clone();
            user.lastnamephonetic = new.lastnamephonetic.clone();
            user.middlename = new.middlename.clone();
            user.alternatename = new.alternatename.clone();
            user.institution = new.institution.clone().unwrap_or_default();
            user.department = new.department.clone().unwrap_or_default();
            user.phone1 = new.phone1.clone().unwrap_or_default();
            user.phone2 = new.phone2.clone().unwrap_or_default();
            user.address = new.address.clone().unwrap_or_default();
            user.theme = new.theme.clone().unwrap_or_default();
            let mut preferences: Vec<(String, String)> = new
                .preferences
                .iter()
                .flatten()
                .map(|preference| (preference.r#type.clone(), preference.value.clone()))
                .collect();
            if createpassword {
                // FIXME(#5): Moodle also mails the generated password; Portico sends no mail
                // yet, so the user must reset it.
                preferences.push(("auth_forcepasswordchange".to_owned(), "1".to_owned()));
            }
            // Custom profile fields of unknown types are ignored, as Moodle ignores them
            // (spec 04 §4.1); Portico defines none. FIXME(#5): interests need tags.
            usernames.insert(new.username.clone());
            emails.insert(email_key);
            batch.push((user, preferences));
        }
        let created = store.create_users_with_preferences(&batch).await?;
        Ok(created
            .into_iter()
            .map(|user| Created { id: user.id, username: user.username })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_store::model::MNET_LOCALHOST_ID;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const TWO_USERS: &str = "users[0][username]=ann&users[0][password]=Secret1!&users[0][firstname]=Ann&users[0][lastname]=Lee&users[0][email]=ann@example.com\
        &users[1][username]=bob&users[1][createpassword]=1&users[1][firstname]=Bob&users[1][lastname]=Ray&users[1][email]=bob@example.com&users[1][preferences][0][type]=htmleditor&users[1][preferences][0][value]=textarea";

    backend_test!(create_users_creates_the_batch, |store: Store| async move {
        let site = TestSite::install(store).await;
        let caller = site.custom_caller(site.admin.id, &["core_user_create_users"]).await;
        let created = site.call(Some(&caller), "core_user_create_users", TWO_USERS).await.unwrap();
        let Value::Array(list) = &created else { panic!("a list") };
        assert_eq!(list.len(), 2);
        let (_, first) = list.iter().next().unwrap();
        assert_eq!(field(first, "username"), Value::from("ann"));
        let ann = site.store().user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap().unwrap();
        assert_eq!(field(first, "id"), Value::Int(ann.id));
        assert_eq!((ann.auth.as_str(), ann.confirmed, ann.lang.as_str()), ("manual", 1, "en"));
        assert!(ann.password.starts_with("$6$"));
        let bob = site.store().user_by_username("bob", MNET_LOCALHOST_ID).await.unwrap().unwrap();
        assert_eq!(bob.password, "");
        let preference = |name: &'static str| site.store().get_user_preference(bob.id, name);
        assert_eq!(preference("auth_forcepasswordchange").await.unwrap().as_deref(), Some("1"));
        assert_eq!(preference("htmleditor").await.unwrap().as_deref(), Some("textarea"));
        assert!(site.store().context_by_instance(30, bob.id).await.unwrap().is_some());
    });

    backend_test!(create_users_reports_each_error_and_creates_nothing, |store: Store| async move {
        let site = TestSite::install(store).await;
        let caller = site.custom_caller(site.admin.id, &["core_user_create_users"]).await;
        let good = "users[0][username]=ann&users[0][password]=Passw0rd!&users[0][firstname]=Ann&users[0][lastname]=Lee&users[0][email]=ann@example.com";
        let cases = [
            (
                "users[1][username]=bob&users[1][password]=x&users[1][firstname]=%20&users[1][lastname]=L&users[1][email]=b@example.com",
                "The field firstname cannot be blank",
            ),
            (
                "users[1][username]=admin&users[1][password]=x&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=b@example.com",
                "Username already exists: admin",
            ),
            (
                "users[1][username]=ann&users[1][password]=x&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=b@example.com",
                "Username already exists: ann",
            ),
            (
                "users[1][username]=bob&users[1][auth]=mnet&users[1][password]=x&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=b@example.com",
                "Invalid authentication type: mnet",
            ),
            (
                "users[1][username]=bob&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=b@example.com",
                "Invalid password: you must provide a password, or set createpassword.",
            ),
            (
                "users[1][username]=bob&users[1][password]=x&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=not-an-email",
                "Email address is invalid: not-an-email",
            ),
            (
                "users[1][username]=bob&users[1][password]=x&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=ANN@example.com",
                "Email address already exists: ANN@example.com",
            ),
            (
                "users[1][username]=bob&users[1][password]=x&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=admin@example.com",
                "Email address already exists: admin@example.com",
            ),
        ];
        for (second, debuginfo) in cases {
            let args = format!("{good}&{second}");
            let error =
                site.call(Some(&caller), "core_user_create_users", &args).await.unwrap_err();
            assert_eq!(error.errorcode, "invalidparameter", "{debuginfo}");
            assert_eq!(error.debuginfo.unwrap(), debuginfo.as_bytes());
            // Atomic: the valid first user was not created either.
            assert!(
                site.store().user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap().is_none()
            );
        }
        // A weak password breaks the site password policy: the error code is the list of
        // broken rules, and nothing is created.
        let weak = "users[1][username]=bob&users[1][password]=abcdefgh1&users[1][firstname]=B&users[1][lastname]=L&users[1][email]=b@example.com";
        let error = site
            .call(Some(&caller), "core_user_create_users", &format!("{good}&{weak}"))
            .await
            .unwrap_err();
        let broken = "<div>Passwords must have at least 1 upper case letter(s).</div>\
                      <div>The password must have at least 1 special character(s) such as as *, -, or #.</div>";
        assert_eq!((error.class, error.errorcode.as_ref()), ("moodle_exception", broken));
        assert_eq!(error.message, format!("error/{broken}"));
        assert!(site.store().user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap().is_none());
        // The policy applies to a password sent for an external authentication plugin too.
        let external = format!("{}&users[1][auth]=ldap", weak.replace("abcdefgh1", "short"));
        let error = site
            .call(Some(&caller), "core_user_create_users", &format!("{good}&{external}"))
            .await
            .unwrap_err();
        assert!(error.errorcode.starts_with("<div>Passwords must be at least 8"), "{error:?}");
        assert!(site.store().user_by_username("bob", MNET_LOCALHOST_ID).await.unwrap().is_none());
        // An uppercase username fails PARAM_USERNAME validation before the function runs.
        let error = site
            .call(Some(&caller), "core_user_create_users", &good.replace("=ann&", "=Ann&"))
            .await
            .unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
    });

    backend_test!(create_users_requires_the_capability, |store: Store| async move {
        let site = TestSite::install(store).await;
        let user = site.user("teacher1").await;
        let caller = site.custom_caller(user.id, &["core_user_create_users"]).await;
        let args = "users[0][username]=ann&users[0][password]=x&users[0][firstname]=Ann&users[0][lastname]=Lee&users[0][email]=ann@example.com";
        let error = site.call(Some(&caller), "core_user_create_users", args).await.unwrap_err();
        assert_eq!(error.class, "required_capability_exception");
        assert_eq!(error.errorcode, "nopermissions");
        assert_eq!(
            error.message,
            "Sorry, but you do not currently have permissions to do that (Create users)."
        );
    });
    #[test]
    fn create_users_refuses_null_where_moodle_does() {
        use crate::testing::param_allows_null;
        const NAME: &str = "core_user_create_users";
        assert!(!param_allows_null(NAME, &["users", "auth"]));
        assert!(!param_allows_null(NAME, &["users", "lang"]));
        assert!(param_allows_null(NAME, &["users", "idnumber"]));
    }
}
