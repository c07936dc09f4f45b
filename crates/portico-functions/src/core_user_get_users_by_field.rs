//! `core_user_get_users_by_field` (spec 04 §4.5): users found by one exact field, each shown as
//! far as the caller may see it (§4.0).

use portico_engine::{CallContext, CallError, CallKind, ExternalFunction};
use portico_macros::Describe;
use portico_schema::param::clean;
use portico_schema::php::{is_numeric, string_to_float};
use portico_schema::{Exception, ParamType, Valid, Value};
use portico_store::UserField;

use crate::support::validate_context;
use crate::user_details::{UserDescription, php_empty, user_details_courses};

/// Retrieve users' information for a specified unique field - If you want to do a user search,
/// use core_user_get_users() or core_user_search_identity().
pub struct GetUsersByField;

/// Parameters of `core_user_get_users_by_field`.
#[derive(Debug, Describe)]
#[describe(desc = "")]
pub struct Args {
    /// the search field can be 'id' or 'idnumber' or 'username' or 'email'
    #[describe(param = Alpha, desc = "the search field can be
                    'id' or 'idnumber' or 'username' or 'email'")]
    pub field: String,
    /// the value to match
    pub values: Vec<String>,
}

/// PHP 8's loose `==` of two strings: numerically when both are numeric, else byte for byte.
pub(crate) fn php_loose_eq(a: &str, b: &str) -> bool {
    if is_numeric(a.as_bytes()) && is_numeric(b.as_bytes()) {
        string_to_float(a.as_bytes()) == string_to_float(b.as_bytes())
    } else {
        a == b
    }
}

/// The text of a cleaned scalar.
pub(crate) fn text_of(value: &Value) -> String {
    String::from_utf8_lossy(&value.to_php_string()).into_owned()
}

impl ExternalFunction for GetUsersByField {
    const NAME: &'static str = "core_user_get_users_by_field";
    const COMPONENT: &'static str = "moodle";
    const DESCRIPTION: &'static str = "Retrieve users' information for a specified unique field - If you want to do a user search, use core_user_get_users() or core_user_search_identity().";
    const KIND: CallKind = CallKind::Read;
    const AJAX: bool = true;
    const CAPABILITIES: &'static [&'static str] = &[
        "moodle/user:viewdetails",
        "moodle/user:viewhiddendetails",
        "moodle/course:useremail",
        "moodle/user:update",
    ];
    const SERVICES: &'static [&'static str] = &[portico_engine::install::MOBILE_SERVICE];
    type Args = Args;
    type Returns = Vec<UserDescription>;

    async fn execute(
        context: &CallContext,
        args: Valid<Args>,
    ) -> Result<Vec<UserDescription>, CallError> {
        let Args { field, values } = args.into_inner();
        let (column, param) = match field.as_str() {
            "id" => (UserField::Id, ParamType::Int),
            "idnumber" => (UserField::Idnumber, ParamType::Raw),
            "username" => (UserField::Username, ParamType::Username),
            "email" => (UserField::Email, ParamType::RawTrimmed),
            _ => {
                return Err(Exception::coding("invalid field parameter")
                    .with_debuginfo(format!(
                        "The search field '{field}' is not supported, look at the web service documentation"
                    ))
                    .into());
            }
        };
        let mut cleaned_values = Vec::with_capacity(values.len());
        for value in values {
            let cleaned = text_of(&clean(&Value::from(value.as_str()), param, context.site()));
            // Moodle compares with PHP's loose `!=`, so "007" is a valid id 7.
            if !php_loose_eq(&value, &cleaned) {
                return Err(Exception::invalid_parameter(format!(
                    "The field '{field}' value is invalid: {value}(cleaned value: {cleaned})"
                ))
                .into());
            }
            cleaned_values.push(cleaned);
        }
        let store = context.store()?;
        let users = store.users_by_field(column, &cleaned_values).await?;
        validate_context(context, &store.system_context().await?).await?;
        let mut returned = Vec::new();
        for user in &users {
            let Some(details) = user_details_courses(context, user).await? else { continue };
            // A user is returned only if the caller may see the searched field.
            let searched = match column {
                UserField::Id => Some(details.id.to_string()),
                UserField::Idnumber => details.idnumber.clone(),
                UserField::Username => details.username.clone(),
                UserField::Email => details.email.clone(),
            };
            if searched.is_some_and(|text| !php_empty(&text)) {
                returned.push(details);
            }
        }
        Ok(returned)
    }
}

#[cfg(test)]
mod tests {
    use portico_schema::Value;
    use portico_store::Store;
    use portico_testkit::backend_test;

    use crate::testing::{TestSite, field};

    const NAME: &str = "core_user_get_users_by_field";

    fn ids(list: &Value) -> Vec<i64> {
        let Value::Array(array) = list else { panic!("a list") };
        array
            .values()
            .map(|user| match field(user, "id") {
                Value::Int(id) => id,
                _ => 0,
            })
            .collect()
    }

    backend_test!(
        get_users_by_field_finds_users_and_shows_what_the_admin_may_see,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let ann = site.user("ann").await;
            let bob = site.user("bob").await;
            let caller = site.custom_caller(site.admin.id, &[NAME]).await;
            let args = format!(
                "field=id&values[0]={}&values[1]=007&values[2]={}&values[3]=999999",
                bob.id, ann.id
            );
            let found = site.call(Some(&caller), NAME, &args).await.unwrap();
            assert_eq!(ids(&found), vec![ann.id, bob.id]);
            let Value::Array(list) = &found else { panic!("a list") };
            let first = list.values().next().unwrap();
            assert_eq!(field(first, "username"), Value::from("ann"));
            assert_eq!(field(first, "fullname"), Value::from("Firstann Lastann"));
            assert_eq!(field(first, "email"), Value::from("ann@example.com"));
            assert_eq!(field(first, "suspended"), Value::Bool(false));
            assert_eq!(field(first, "confirmed"), Value::Bool(true));
            assert_eq!(field(first, "auth"), Value::from("manual"));
            assert_eq!(
                field(first, "profileimageurl"),
                Value::from("https://portico.example/theme/image.php/boost/core/1/u/f1")
            );
            // Preferences are shown only to the user themself.
            assert_eq!(field(first, "preferences"), Value::Null);
            let by_username =
                site.call(Some(&caller), NAME, "field=username&values[0]=bob").await.unwrap();
            assert_eq!(ids(&by_username), vec![bob.id]);
            let by_email = site
                .call(Some(&caller), NAME, "field=email&values[0]=ann@example.com")
                .await
                .unwrap();
            assert_eq!(ids(&by_email), vec![ann.id]);
            // An empty idnumber is never searched for successfully.
            let by_idnumber =
                site.call(Some(&caller), NAME, "field=idnumber&values[0]=").await.unwrap();
            assert_eq!(ids(&by_idnumber), Vec::<i64>::new());
        }
    );

    backend_test!(get_users_by_field_reports_bad_fields_and_values, |store: Store| async move {
        let site = TestSite::install(store).await;
        let caller = site.custom_caller(site.admin.id, &[NAME]).await;
        let error = site.call(Some(&caller), NAME, "field=password&values[0]=x").await.unwrap_err();
        assert_eq!(error.errorcode, "codingerror");
        assert_eq!(
            error.message,
            "Coding error detected, it must be fixed by a programmer: invalid field parameter"
        );
        assert_eq!(
            error.debuginfo.unwrap(),
            b"The search field 'password' is not supported, look at the web service documentation"
                .as_slice()
        );
        let error = site.call(Some(&caller), NAME, "field=id&values[0]=abc").await.unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
        assert_eq!(
            error.debuginfo.unwrap(),
            b"The field 'id' value is invalid: abc(cleaned value: 0)".as_slice()
        );
        let error =
            site.call(Some(&caller), NAME, "field=username&values[0]=Ann").await.unwrap_err();
        assert_eq!(
            error.debuginfo.unwrap(),
            b"The field 'username' value is invalid: Ann(cleaned value: ann)".as_slice()
        );
        let error = site.call(Some(&caller), NAME, "field=id").await.unwrap_err();
        assert_eq!(error.errorcode, "invalidparameter");
    });

    backend_test!(
        get_users_by_field_hides_users_the_caller_may_not_see,
        |store: Store| async move {
            let site = TestSite::install(store).await;
            let ann = site.user("ann").await;
            let bob = site.user("bob").await;
            // A plain user may see themself (with preferences) but nobody outside a shared course.
            let caller = site.mobile_caller(ann.id).await;
            site.store().set_user_preference(ann.id, "htmleditor", "textarea").await.unwrap();
            let args = format!("field=id&values[0]={}&values[1]={}", ann.id, bob.id);
            let found = site.call(Some(&caller), NAME, &args).await.unwrap();
            assert_eq!(ids(&found), vec![ann.id]);
            let Value::Array(list) = &found else { panic!("a list") };
            let own = list.values().next().unwrap();
            assert_eq!(field(own, "username"), Value::from("ann"));
            assert!(matches!(field(own, "preferences"), Value::Array(ref p) if p.len() == 1));
            // Without viewfullnames, first and last names stay hidden even from oneself.
            assert_eq!(field(own, "firstname"), Value::Null);
            // Searching by a field the caller may not see finds nobody.
            let found =
                site.call(Some(&caller), NAME, "field=username&values[0]=bob").await.unwrap();
            assert_eq!(ids(&found), Vec::<i64>::new());
        }
    );
    #[test]
    fn get_users_by_field_keeps_moodles_line_breaks() {
        let text = crate::testing::param_text(NAME, &["field"]);
        let expected = format!(
            "the search field can be\n{}'id' or 'idnumber' or 'username' or 'email'",
            " ".repeat(20)
        );
        assert_eq!(text, expected);
    }
}
