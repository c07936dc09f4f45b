//! `core_user_get_users` (spec 04 §4.4): users matching every criterion, each shown as far as
//! the caller may see it (§4.0); unsupported keys become warnings.

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::{Exception, ParamType, Valid, Value};
use portico_store::UserCriterion;

use crate::core_user_get_users_by_field::text_of;
use crate::user_details::{UserDescription, php_empty, user_details_courses};

/// search for users matching the parameters
pub struct GetUsers;

/// One search criterion.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Criterion {
    /// the user column to search, expected keys (value format) are: "id" (int) matching user
    /// id, "lastname" (string) user last name (Note: you can use % for searching but it may be
    /// considerably slower!), "firstname" (string) user first name (Note: you can use % for
    /// searching but it may be considerably slower!), "idnumber" (string) matching user
    /// idnumber, "username" (string) matching user username, "email" (string) user email
    /// (Note: you can use % for searching but it may be considerably slower!), "auth" (string)
    /// matching user auth plugin
    #[describe(param = Alpha, desc = "the user column to search, expected keys (value format) are:
                                \"id\" (int) matching user id,
                                \"lastname\" (string) user last name (Note: you can use % for searching but it may be considerably slower!),
                                \"firstname\" (string) user first name (Note: you can use % for searching but it may be considerably slower!),
                                \"idnumber\" (string) matching user idnumber,
                                \"username\" (string) matching user username,
                                \"email\" (string) user email (Note: you can use % for searching but it may be considerably slower!),
                                \"auth\" (string) matching user auth plugin")]
    pub key: String,
    /// the value to search
    pub value: String,
}

/// Parameters of `core_user_get_users`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// the key/value pairs to be considered in user search. Values can not be empty. Specify
    /// different keys only once (fullname => 'user1', auth => 'manual', ...) - key occurences
    /// are forbidden. The search is executed with AND operator on the criterias. Invalid
    /// criterias (keys) are ignored, the search is still executed on the valid criterias. You
    /// can search without criteria, but the function is not designed for it. It could very
    /// slow or timeout. The function is designed to search some specific users.
    #[describe(
        desc = "the key/value pairs to be considered in user search. Values can not be empty.
                        Specify different keys only once (fullname => 'user1', auth => 'manual', ...) -
                        key occurences are forbidden.
                        The search is executed with AND operator on the criterias. Invalid criterias (keys) are ignored,
                        the search is still executed on the valid criterias.
                        You can search without criteria, but the function is not designed for it.
                        It could very slow or timeout. The function is designed to search some specific users."
    )]
    pub criteria: Vec<Criterion>,
}

/// A warning about an unsupported search key.
#[derive(Debug, Describe)]
#[describe(desc = "warning")]
pub struct KeyWarning {
    /// always set to 'key'
    #[describe(param = Text)]
    pub item: Option<String>,
    /// faulty key name
    pub itemid: Option<i64>,
    /// the warning code can be used by the client app to implement specific behaviour
    #[describe(param = AlphaNum)]
    pub warningcode: String,
    /// untranslated english message to explain the warning
    pub message: String,
}

/// The users found and the warnings.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Found {
    /// The users.
    pub users: Vec<UserDescription>,
    /// list of warnings
    #[describe(optional)]
    pub warnings: Vec<KeyWarning>,
}

impl ExternalFunction for GetUsers {
    const NAME: &'static str = "core_user_get_users";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "search for users matching the parameters";
    const KIND: CallKind = CallKind::Read;
    const CAPABILITIES: &'static [&'static str] = &[
        "moodle/user:viewdetails",
        "moodle/user:viewhiddendetails",
        "moodle/course:useremail",
        "moodle/user:update",
    ];
    type Args = Args;
    type Returns = Found;

    async fn execute(context: &CallContext, args: Valid<Args>) -> Result<Found, CallError> {
        let mut used: Vec<String> = Vec::new();
        let mut warnings = Vec::new();
        let mut criteria = Vec::new();
        for Criterion { key, value } in args.into_inner().criteria {
            if used.contains(&key) {
                return Err(Exception::moodle("keyalreadyset", "error", "error/keyalreadyset")
                    .with_debuginfo(format!("The key {key} can only be sent once"))
                    .into());
            }
            used.push(key.clone());
            let param = match key.as_str() {
                "id" => ParamType::Int,
                "idnumber" => ParamType::Raw,
                "username" => ParamType::Username,
                "email" => ParamType::RawTrimmed,
                "auth" => ParamType::Auth,
                "firstname" | "lastname" => ParamType::NoTags,
                _ => {
                    warnings.push(KeyWarning {
                        item: Some(key.clone()),
                        itemid: None,
                        warningcode: "invalidfieldparameter".to_owned(),
                        message: format!(
                            "The search key '{key}' is not supported, look at the web service documentation"
                        ),
                    });
                    continue;
                }
            };
            let cleaned = clean(&Value::from(value.as_str()), param, context.site());
            let criterion = match key.as_str() {
                "id" => UserCriterion::Id(match cleaned {
                    Value::Int(id) => id,
                    _ => 0,
                }),
                "idnumber" => UserCriterion::Idnumber(text_of(&cleaned)),
                "username" => UserCriterion::Username(text_of(&cleaned)),
                "email" => UserCriterion::Email(text_of(&cleaned)),
                "auth" => UserCriterion::Auth(text_of(&cleaned)),
                "firstname" => UserCriterion::Firstname(text_of(&cleaned)),
                _ => UserCriterion::Lastname(text_of(&cleaned)),
            };
            criteria.push((key, criterion));
        }
        let store = context.store()?;
        let searched: Vec<UserCriterion> = criteria.iter().map(|(_, c)| c.clone()).collect();
        let mut users = Vec::new();
        for user in store.search_users(&searched).await? {
            let Some(details) = user_details_courses(context, &user).await? else { continue };
            // A user is returned only if the caller may see every searched field.
            let visible = criteria.iter().all(|(key, _)| {
                let shown = match key.as_str() {
                    "id" => Some(details.id.to_string()),
                    "idnumber" => details.idnumber.clone(),
                    "username" => details.username.clone(),
                    "email" => details.email.clone(),
                    "auth" => details.auth.clone(),
                    "firstname" => details.firstname.clone(),
                    _ => details.lastname.clone(),
                };
                shown.is_some_and(|text| !php_empty(&text))
            });
            if visible {
                users.push(details);
            }
        }
        Ok(Found { users, warnings })
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_user_get_users";

    fn ids(found: &Value) -> Vec<i64> {
        let Value::Array(users) = field(found, "users") else { panic!("a list") };
        users
            .values()
            .map(|user| match field(user, "id") {
                Value::Int(id) => id,
                _ => 0,
            })
            .collect()
    }

    backend_test!(
        get_users_searches_with_and_and_warns_on_unknown_keys,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let ann = site.user("ann").await;
            let anna = site.user("anna").await;
            site.user("bob").await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let found = site
            .call(Some(&caller), NAME, "criteria[0][key]=email&criteria[0][value]=ANN%25&criteria[1][key]=auth&criteria[1][value]=manual&criteria[2][key]=city&criteria[2][value]=x")
            .await
            .unwrap();
            assert_eq!(ids(&found), vec![ann.id, anna.id]);
            let Value::Array(warnings) = field(&found, "warnings") else { panic!("a list") };
            let warning = warnings.values().next().unwrap();
            assert_eq!(field(warning, "item"), Value::from("city"));
            assert_eq!(field(warning, "warningcode"), Value::from("invalidfieldparameter"));
            assert_eq!(
                field(warning, "message"),
                Value::from(
                    "The search key 'city' is not supported, look at the web service documentation"
                )
            );
            let found = site
                .call(Some(&caller), NAME, "criteria[0][key]=username&criteria[0][value]=anna")
                .await
                .unwrap();
            assert_eq!(ids(&found), vec![anna.id]);
            // Deleted users are never found.
            site.store().delete_user(anna.id).await.unwrap();
            let args = format!("criteria[0][key]=id&criteria[0][value]={}", anna.id);
            let found = site.call(Some(&caller), NAME, &args).await.unwrap();
            assert_eq!(ids(&found), Vec::<i64>::new());
        }
    );

    backend_test!(get_users_refuses_a_key_sent_twice, |store: Store| async move {
        let site = TestSite::install(store).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let args =
            "criteria[0][key]=id&criteria[0][value]=2&criteria[1][key]=id&criteria[1][value]=3";
        let error = site.call(Some(&caller), NAME, args).await.unwrap_err();
        assert_eq!((error.class, error.errorcode.as_ref()), ("moodle_exception", "keyalreadyset"));
        assert_eq!(error.debuginfo.unwrap(), b"The key id can only be sent once".as_slice());
    });

    backend_test!(get_users_hides_users_the_caller_may_not_see, |store: Store| async move {
        let site = TestSite::install(store).await;
        let ann = site.user("ann").await;
        site.user("bob").await;
        let caller = site.custom_caller(ann.id, &[NAME]).await;
        let found = site
            .call(Some(&caller), NAME, "criteria[0][key]=email&criteria[0][value]=%25@example.com")
            .await
            .unwrap();
        // Ann sees only herself: the others are outside any course she shares.
        assert_eq!(ids(&found), vec![ann.id]);
    });
    #[test]
    fn get_users_returns_moodles_external_warnings() {
        crate::testing::assert_declares_warnings(NAME);
    }
    #[test]
    fn get_users_keeps_moodles_line_breaks() {
        let text = crate::testing::param_text(NAME, &["criteria", "key"]);
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 8);
        assert_eq!(lines[0], "the user column to search, expected keys (value format) are:");
        let indent = " ".repeat(32);
        assert!(
            lines[1..].iter().all(|line| line.starts_with(&indent) && !line[32..].starts_with(' '))
        );
        assert_eq!(lines[7].trim_start(), "\"auth\" (string) matching user auth plugin");
        let text = crate::testing::param_text(NAME, &["criteria"]);
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 7);
        let indent = " ".repeat(24);
        assert!(
            lines[1..].iter().all(|line| line.starts_with(&indent) && !line[24..].starts_with(' '))
        );
        assert_eq!(lines[2].trim_start(), "key occurences are forbidden.");
    }
}
