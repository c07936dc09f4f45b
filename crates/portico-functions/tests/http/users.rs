//! The user functions over HTTP (spec 04 §4.1-§4.5): creating, updating, deleting and finding
//! users, in REST JSON and XML with bracket-encoded parameters, with Moodle's errors (and their
//! `debuginfo`, which a site at NORMAL debug level shows), the `nopermissions` refusals, and
//! all-or-nothing batches read back through the store.

use portico_access::password::{PasswordPolicy, verify_password};
use portico_store::model::{MNET_LOCALHOST_ID, SYSTEM_CONTEXT_ID, User};
use portico_store::{NewRoleAssignment, Store};
use portico_testkit::backend_test;
use serde_json::{Value as Json, json};

use crate::{Site, assert_error};

const CREATE: &str = "core_user_create_users";
const UPDATE: &str = "core_user_update_users";
const DELETE: &str = "core_user_delete_users";
const GET: &str = "core_user_get_users";
const BY_FIELD: &str = "core_user_get_users_by_field";

const XML_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n";

/// Every user who is not deleted, as stored.
async fn users(site: &Site) -> Vec<User> {
    site.store().search_users(&[]).await.unwrap()
}

/// Makes `userid` a manager at the system context (every user capability, not an admin).
async fn make_manager(site: &Site, userid: i64) {
    let role = site.store().role_by_shortname("manager").await.unwrap().unwrap();
    let assignment = NewRoleAssignment {
        roleid: role.id,
        contextid: SYSTEM_CONTEXT_ID,
        userid,
        component: String::new(),
        itemid: 0,
        modifierid: site.admin().id,
    };
    site.store().assign_role(&assignment).await.unwrap();
}

/// Shows `debuginfo` in REST errors, as a site at NORMAL debug level does.
async fn show_debuginfo(site: &Site) {
    site.server.set_config("debug", "15").await;
}

/// Asserts `answer` is `invalidparameter` with `debuginfo`.
fn assert_invalid_parameter(answer: &Json, debuginfo: &str) {
    let message = assert_error(answer, "invalid_parameter_exception", "invalidparameter");
    assert_eq!(message, "Invalid parameter value detected", "{answer}");
    assert_eq!(answer["debuginfo"], debuginfo, "{answer}");
}

/// Asserts `answer` is Moodle's refusal for lacking the capability named `name`.
fn assert_nopermissions(answer: &Json, name: &str) {
    let message = assert_error(answer, "required_capability_exception", "nopermissions");
    assert_eq!(
        message,
        format!("Sorry, but you do not currently have permissions to do that ({name}).")
    );
}

fn new_user<'a>(index: usize, fields: &[(&'a str, &'a str)]) -> Vec<(String, &'a str)> {
    fields.iter().map(|(key, value)| (format!("users[{index}][{key}]"), *value)).collect()
}

fn pairs(owned: &[(String, &str)]) -> Vec<(String, String)> {
    owned.iter().map(|(k, v)| (k.clone(), (*v).to_owned())).collect()
}

fn borrow(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

const ANN: [(&str, &str); 7] = [
    ("username", "ann"),
    ("password", "Passw0rd!"),
    ("firstname", "Ann"),
    ("lastname", "Lee"),
    ("email", "ann@example.com"),
    ("city", "Perth"),
    ("idnumber", "A1"),
];

backend_test!(create_users_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let token = site.token(site.admin().id, &[CREATE]).await;
    let mut args = pairs(&new_user(0, &ANN));
    args.extend(pairs(&new_user(
        1,
        &[
            ("username", "bob"),
            ("createpassword", "1"),
            ("firstname", "Bob"),
            ("lastname", "Ray"),
            ("email", "bob@example.com"),
            ("auth", "manual"),
            ("lang", "en"),
            ("preferences][0][type", "htmleditor"),
            ("preferences][0][value", "textarea"),
        ],
    )));
    let created = site.json(&token, CREATE, &borrow(&args)).await;
    let ann = site.store().user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    let bob = site.store().user_by_username("bob", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert_eq!(
        created,
        json!([{"id": ann.id, "username": "ann"}, {"id": bob.id, "username": "bob"}])
    );
    assert_eq!(
        (ann.firstname.as_str(), ann.lastname.as_str(), ann.email.as_str()),
        ("Ann", "Lee", "ann@example.com")
    );
    assert_eq!((ann.city.as_str(), ann.idnumber.as_str()), ("Perth", "A1"));
    assert_eq!(
        (ann.auth.as_str(), ann.confirmed, ann.mnethostid),
        ("manual", 1, MNET_LOCALHOST_ID)
    );
    assert!(verify_password("Passw0rd!", &ann.password, &PasswordPolicy::default()).is_some());
    // createpassword: no password yet, and a change is forced at the first login.
    assert_eq!(bob.password, "");
    let preference = |name: &'static str| site.store().get_user_preference(bob.id, name);
    assert_eq!(preference("auth_forcepasswordchange").await.unwrap().as_deref(), Some("1"));
    assert_eq!(preference("htmleditor").await.unwrap().as_deref(), Some("textarea"));

    let carl = [
        ("users[0][username]", "carl"),
        ("users[0][password]", "Passw0rd!"),
        ("users[0][firstname]", "Carl"),
        ("users[0][lastname]", "Orr"),
        ("users[0][email]", "carl@example.com"),
    ];
    let xml = site.xml(&token, CREATE, &carl).await;
    let carl = site.store().user_by_username("carl", MNET_LOCALHOST_ID).await.unwrap().unwrap();
    assert_eq!(
        xml,
        format!(
            "{XML_START}<MULTIPLE>\n<SINGLE>\n<KEY name=\"id\"><VALUE>{}</VALUE>\n</KEY>\n\
             <KEY name=\"username\"><VALUE>carl</VALUE>\n</KEY>\n</SINGLE>\n</MULTIPLE>\n\
             </RESPONSE>\n",
            carl.id
        )
    );
});

backend_test!(create_users_errors_create_nothing, |store: Store| async move {
    let site = Site::start(store).await;
    show_debuginfo(&site).await;
    let token = site.token(site.admin().id, &[CREATE]).await;
    let before = users(&site).await;
    let second = |changes: &[(&'static str, &'static str)]| {
        let mut fields = vec![
            ("username", "bob"),
            ("password", "Passw0rd!"),
            ("firstname", "Bob"),
            ("lastname", "Ray"),
            ("email", "bob@example.com"),
        ];
        for (key, value) in changes {
            match fields.iter_mut().find(|field| field.0 == *key) {
                Some(field) => field.1 = *value,
                None => fields.push((*key, *value)),
            }
        }
        fields.retain(|(_, value)| *value != "<absent>");
        let mut args = pairs(&new_user(0, &ANN));
        args.extend(pairs(&new_user(1, &fields)));
        args
    };
    let cases: [(&[(&str, &str)], &str); 9] = [
        (&[("username", "")], "The field username cannot be blank"),
        (&[("firstname", " ")], "The field firstname cannot be blank"),
        (&[("lastname", "")], "The field lastname cannot be blank"),
        (&[("username", "admin")], "Username already exists: admin"),
        (&[("username", "ann")], "Username already exists: ann"),
        (&[("auth", "mnet")], "Invalid authentication type: mnet"),
        (
            &[("password", "<absent>")],
            "Invalid password: you must provide a password, or set createpassword.",
        ),
        (&[("email", "not-an-email")], "Email address is invalid: not-an-email"),
        (&[("email", "ANN@example.com")], "Email address already exists: ANN@example.com"),
    ];
    for (changes, debuginfo) in cases {
        let answer = site.json(&token, CREATE, &borrow(&second(changes))).await;
        assert_invalid_parameter(&answer, debuginfo);
        // Atomic: the valid first user was not created either.
        assert_eq!(users(&site).await, before, "{debuginfo}");
    }
    // A language or theme that is not installed fails PARAM_LANG / PARAM_THEME validation
    // before the function's own checks ("Invalid language code", "Invalid theme") can run.
    for (key, value) in [("lang", "xx"), ("theme", "nosuchtheme")] {
        let answer = site.json(&token, CREATE, &borrow(&second(&[(key, value)]))).await;
        assert_invalid_parameter(
            &answer,
            &format!(
                "users => Invalid parameter value detected: {key} => Invalid parameter value \
                 detected: Invalid external api parameter: the value is \"{value}\", the server \
                 was expecting \"{key}\" type"
            ),
        );
        assert_eq!(users(&site).await, before);
    }
    // A weak password breaks the site password policy: the error code is the list of broken
    // rules and the message its failed string lookup.
    let answer = site.json(&token, CREATE, &borrow(&second(&[("password", "abcdefgh1")]))).await;
    let broken = "<div>Passwords must have at least 1 upper case letter(s).</div>\
                  <div>The password must have at least 1 special character(s) such as as *, -, or #.</div>";
    let message = assert_error(&answer, "moodle_exception", broken);
    assert_eq!(message, format!("error/{broken}"));
    assert_eq!(users(&site).await, before);
    // In XML, the same refusal.
    let xml = site.xml(&token, CREATE, &borrow(&second(&[("auth", "mnet")]))).await;
    assert!(xml.contains("<ERRORCODE>invalidparameter</ERRORCODE>"), "{xml}");
    assert!(xml.contains("<MESSAGE>Invalid parameter value detected</MESSAGE>"), "{xml}");
    assert!(xml.contains("<DEBUGINFO>Invalid authentication type: mnet</DEBUGINFO>"), "{xml}");
    assert_eq!(users(&site).await, before);

    // Without moodle/user:create.
    let teacher = site.user("teacher").await;
    let before = users(&site).await;
    let token = site.token(teacher.id, &[CREATE]).await;
    let answer = site.json(&token, CREATE, &borrow(&pairs(&new_user(0, &ANN)))).await;
    assert_nopermissions(&answer, "Create users");
    assert_eq!(users(&site).await, before);
});

backend_test!(update_users_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let token = site.token(site.admin().id, &[UPDATE]).await;
    let id = ann.id.to_string();
    let answer = site
        .json(
            &token,
            UPDATE,
            &[
                ("users[0][id]", &id),
                ("users[0][firstname]", "Anna"),
                ("users[0][email]", "anna@example.com"),
                ("users[0][city]", "Oslo"),
                ("users[0][password]", "N3w!pass"),
                ("users[0][suspended]", "1"),
                ("users[0][preferences][0][type]", "htmleditor"),
                ("users[0][preferences][0][value]", "textarea"),
            ],
        )
        .await;
    assert_eq!(answer, json!({"warnings": []}));
    let stored = site.store().user_by_id(ann.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.firstname.as_str(), stored.lastname.as_str(), stored.email.as_str()),
        ("Anna", "ann", "anna@example.com")
    );
    assert_eq!((stored.city.as_str(), stored.suspended), ("Oslo", 1));
    assert!(verify_password("N3w!pass", &stored.password, &PasswordPolicy::default()).is_some());
    let preference = site.store().get_user_preference(ann.id, "htmleditor").await.unwrap();
    assert_eq!(preference.as_deref(), Some("textarea"));
    assert_eq!(site.store().user_by_id(bob.id).await.unwrap().unwrap(), bob);

    // A user that does not exist is skipped with a warning; in XML a SINGLE with a MULTIPLE.
    let xml =
        site.xml(&token, UPDATE, &[("users[0][id]", "999999"), ("users[0][city]", "X")]).await;
    assert_eq!(
        xml,
        format!(
            "{XML_START}<SINGLE>\n<KEY name=\"warnings\"><MULTIPLE>\n<SINGLE>\n\
             <KEY name=\"item\"><VALUE>user</VALUE>\n</KEY>\n\
             <KEY name=\"itemid\"><VALUE>999999</VALUE>\n</KEY>\n\
             <KEY name=\"warningcode\"><VALUE>invaliduserid</VALUE>\n</KEY>\n\
             <KEY name=\"message\"><VALUE>Invalid user ID</VALUE>\n</KEY>\n\
             </SINGLE>\n</MULTIPLE>\n</KEY>\n</SINGLE>\n</RESPONSE>\n"
        )
    );
});

backend_test!(update_users_skips_with_warnings, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let gone = site.user("gone").await;
    site.store().delete_user(gone.id).await.unwrap();
    let token = site.token(site.admin().id, &[UPDATE]).await;
    let (a, b, g) = (ann.id.to_string(), bob.id.to_string(), gone.id.to_string());
    let before_ann = site.store().user_by_id(ann.id).await.unwrap().unwrap();
    let answer = site
        .json(
            &token,
            UPDATE,
            &[
                ("users[0][id]", "999999"),
                ("users[0][city]", "X"),
                ("users[1][id]", "1"),
                ("users[1][city]", "X"),
                ("users[2][id]", &g),
                ("users[2][city]", "X"),
                ("users[3][id]", &a),
                ("users[3][email]", "not-an-email"),
                ("users[4][id]", &a),
                ("users[4][email]", "BOB@example.com"),
                ("users[5][id]", &b),
                ("users[5][city]", "Rome"),
            ],
        )
        .await;
    let warning = |id: i64, code: &str, message: &str| json!({"item": "user", "itemid": id, "warningcode": code, "message": message});
    assert_eq!(
        answer,
        json!({"warnings": [
            warning(999999, "invaliduserid", "Invalid user ID"),
            warning(1, "usernotupdatedguest", "Cannot update guest account"),
            warning(gone.id, "usernotupdateddeleted", "User is a deleted user"),
            warning(ann.id, "useremailinvalid", "Invalid email address"),
            warning(ann.id, "useremailduplicate", "Duplicate email address"),
        ]})
    );
    assert_eq!(site.store().user_by_id(ann.id).await.unwrap().unwrap(), before_ann);
    assert_eq!(site.store().user_by_id(bob.id).await.unwrap().unwrap().city, "Rome");

    // A manager who is not an administrator may not change an administrator.
    let manager = site.user("manager").await;
    make_manager(&site, manager.id).await;
    let token = site.token(manager.id, &[UPDATE]).await;
    let admin = site.admin().id.to_string();
    let answer = site
        .json(
            &token,
            UPDATE,
            &[
                ("users[0][id]", &admin),
                ("users[0][city]", "X"),
                ("users[1][id]", &a),
                ("users[1][city]", "Lima"),
            ],
        )
        .await;
    assert_eq!(
        answer,
        json!({"warnings": [
            warning(site.admin().id, "usernotupdatedadmin", "Cannot update admin accounts"),
        ]})
    );
    assert_eq!(site.store().user_by_id(site.admin().id).await.unwrap().unwrap().city, "");
    assert_eq!(site.store().user_by_id(ann.id).await.unwrap().unwrap().city, "Lima");
});

backend_test!(update_users_refusals_change_nothing, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let (a, b) = (ann.id.to_string(), bob.id.to_string());
    let before = users(&site).await;
    // Without moodle/user:update.
    let token = site.token(ann.id, &[UPDATE]).await;
    let answer = site.json(&token, UPDATE, &[("users[0][id]", &a), ("users[0][city]", "X")]).await;
    assert_nopermissions(&answer, "Update user profiles");
    assert_eq!(users(&site).await, before);
    // A batch failing part-way: the second update takes a username that exists, which the
    // database refuses; the first update is rolled back with it.
    let token = site.token(site.admin().id, &[UPDATE]).await;
    let answer = site
        .json(
            &token,
            UPDATE,
            &[
                ("users[0][id]", &a),
                ("users[0][city]", "Paris"),
                ("users[1][id]", &b),
                ("users[1][username]", "admin"),
            ],
        )
        .await;
    let message = assert_error(&answer, "dml_write_exception", "dmlwriteexception");
    assert_eq!(message, "Error writing to database");
    assert_eq!(users(&site).await, before);
    // A value that fails validation refuses the whole call before anything runs.
    let answer = site
        .json(
            &token,
            UPDATE,
            &[("users[0][id]", &a), ("users[0][city]", "Paris"), ("users[1][id]", "x")],
        )
        .await;
    assert_error(&answer, "invalid_parameter_exception", "invalidparameter");
    assert_eq!(users(&site).await, before);
});

backend_test!(delete_users_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let carl = site.user("carl").await;
    let token = site.token(site.admin().id, &[DELETE]).await;
    let (a, b) = (ann.id.to_string(), bob.id.to_string());
    let answer = site.json(&token, DELETE, &[("userids[0]", &a), ("userids[1]", &b)]).await;
    assert_eq!(answer, Json::Null);
    for user in [&ann, &bob] {
        let stored = site.store().user_by_id(user.id).await.unwrap().unwrap();
        assert_eq!(stored.deleted, 1);
        let placeholder = format!("{}.", user.email);
        assert!(stored.username.starts_with(&placeholder), "{}", stored.username);
        assert_eq!(stored.email.len(), 32);
    }
    assert_eq!(users(&site).await.iter().map(|u| u.id).collect::<Vec<_>>(), [1, 2, carl.id]);
    let c = carl.id.to_string();
    let xml = site.xml(&token, DELETE, &[("userids[0]", &c)]).await;
    assert_eq!(xml, format!("{XML_START}</RESPONSE>\n"));
    assert_eq!(site.store().user_by_id(carl.id).await.unwrap().unwrap().deleted, 1);
});

backend_test!(delete_users_errors_delete_nothing, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let other_admin = site.user("boss").await;
    site.server.set_config("siteadmins", &format!("{},{}", site.admin().id, other_admin.id)).await;
    let deleter = site.user("deleter").await;
    make_manager(&site, deleter.id).await;
    let a = ann.id.to_string();
    let before = users(&site).await;
    let admin_token = site.token(site.admin().id, &[DELETE]).await;
    let deleter_token = site.token(deleter.id, &[DELETE]).await;
    let cases = [
        (
            &admin_token,
            "999999".to_owned(),
            "dml_missing_record_exception",
            "invalidrecord",
            "Can't find data record in database table user.",
        ),
        // The same user twice: the second lookup finds a deleted user.
        (
            &admin_token,
            a.clone(),
            "dml_missing_record_exception",
            "invalidrecord",
            "Can't find data record in database table user.",
        ),
        (
            &admin_token,
            other_admin.id.to_string(),
            "moodle_exception",
            "useradminodelete",
            "Administrator accounts can not be deleted",
        ),
        (
            &deleter_token,
            deleter.id.to_string(),
            "moodle_exception",
            "usernotdeletederror",
            "User not deleted - unknown error",
        ),
    ];
    for (token, second, class, errorcode, expected) in cases {
        let answer = site.json(token, DELETE, &[("userids[0]", &a), ("userids[1]", &second)]).await;
        let message = assert_error(&answer, class, errorcode);
        assert_eq!(message, expected);
        // Atomic: the valid first user was not deleted either.
        assert_eq!(users(&site).await, before, "{errorcode}");
    }
    let xml = site.xml(&admin_token, DELETE, &[("userids[0]", &a), ("userids[1]", "999999")]).await;
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
         <EXCEPTION class=\"dml_missing_record_exception\">\n\
         <ERRORCODE>invalidrecord</ERRORCODE>\n\
         <MESSAGE>Can't find data record in database table user.</MESSAGE>\n</EXCEPTION>\n"
    );
    assert_eq!(users(&site).await, before);
    // Without moodle/user:delete.
    let token = site.token(ann.id, &[DELETE]).await;
    let answer = site.json(&token, DELETE, &[("userids[0]", &deleter.id.to_string())]).await;
    assert_nopermissions(&answer, "Delete users");
    assert_eq!(users(&site).await, before);
});

fn ids(users: &Json) -> Vec<i64> {
    users
        .as_array()
        .unwrap_or_else(|| panic!("{users}"))
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

backend_test!(get_users_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let anna = site.user("anna").await;
    site.user("bob").await;
    let token = site.token(site.admin().id, &[GET]).await;
    let answer = site
        .json(
            &token,
            GET,
            &[
                ("criteria[0][key]", "email"),
                ("criteria[0][value]", "ANN%"),
                ("criteria[1][key]", "auth"),
                ("criteria[1][value]", "manual"),
                ("criteria[2][key]", "city"),
                ("criteria[2][value]", "x"),
            ],
        )
        .await;
    assert_eq!(ids(&answer["users"]), [ann.id, anna.id]);
    assert_eq!(answer["users"][0]["username"], "ann");
    assert_eq!(answer["users"][0]["email"], "ann@example.com");
    assert_eq!(answer["users"][0]["fullname"], "Test ann");
    assert_eq!(
        answer["warnings"],
        json!([{
            "item": "city",
            "warningcode": "invalidfieldparameter",
            "message": "The search key 'city' is not supported, look at the web service documentation",
        }])
    );
    let anna_id = anna.id.to_string();
    let xml = site
        .xml(&token, GET, &[("criteria[0][key]", "id"), ("criteria[0][value]", &anna_id)])
        .await;
    assert!(xml.starts_with(&format!("{XML_START}<SINGLE>\n<KEY name=\"users\"><MULTIPLE>\n<SINGLE>\n<KEY name=\"id\"><VALUE>{anna_id}</VALUE>\n</KEY>\n")), "{xml}");
    assert!(xml.contains("<KEY name=\"username\"><VALUE>anna</VALUE>\n</KEY>"), "{xml}");
    assert!(
        xml.ends_with(
            "<KEY name=\"warnings\"><MULTIPLE>\n</MULTIPLE>\n</KEY>\n</SINGLE>\n</RESPONSE>\n"
        ),
        "{xml}"
    );
    // Deleted users are never found.
    site.store().delete_user(anna.id).await.unwrap();
    let answer = site
        .json(&token, GET, &[("criteria[0][key]", "id"), ("criteria[0][value]", &anna_id)])
        .await;
    assert_eq!(answer, json!({"users": [], "warnings": []}));
});

backend_test!(get_users_errors_and_visibility, |store: Store| async move {
    let site = Site::start(store).await;
    show_debuginfo(&site).await;
    let ann = site.user("ann").await;
    site.user("bob").await;
    let token = site.token(site.admin().id, &[GET]).await;
    let twice = [
        ("criteria[0][key]", "id"),
        ("criteria[0][value]", "2"),
        ("criteria[1][key]", "id"),
        ("criteria[1][value]", "3"),
    ];
    let answer = site.json(&token, GET, &twice).await;
    let message = assert_error(&answer, "moodle_exception", "keyalreadyset");
    assert_eq!(message, "error/keyalreadyset");
    assert_eq!(answer["debuginfo"], "The key id can only be sent once");
    // A key that is not PARAM_ALPHA fails validation.
    let answer =
        site.json(&token, GET, &[("criteria[0][key]", "id1"), ("criteria[0][value]", "2")]).await;
    assert_error(&answer, "invalid_parameter_exception", "invalidparameter");
    // No capability is needed, but a user without moodle/user:viewdetails sees only themself:
    // the others share no course with them.
    let token = site.token(ann.id, &[GET]).await;
    let answer = site
        .json(
            &token,
            GET,
            &[("criteria[0][key]", "email"), ("criteria[0][value]", "%@example.com")],
        )
        .await;
    assert_eq!(ids(&answer["users"]), [ann.id]);
});

backend_test!(get_users_by_field_over_rest, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let token = site.token(site.admin().id, &[BY_FIELD]).await;
    let (a, b) = (ann.id.to_string(), bob.id.to_string());
    // Ordered by id whatever the order of the values; "007"-style values equal their number.
    let answer = site
        .json(
            &token,
            BY_FIELD,
            &[
                ("field", "id"),
                ("values[0]", &b),
                ("values[1]", &format!("0{a}")),
                ("values[2]", "999999"),
            ],
        )
        .await;
    assert_eq!(ids(&answer), [ann.id, bob.id]);
    assert_eq!(answer[0]["username"], "ann");
    assert_eq!(answer[1]["email"], "bob@example.com");
    let answer = site.json(&token, BY_FIELD, &[("field", "username"), ("values[0]", "bob")]).await;
    assert_eq!(ids(&answer), [bob.id]);
    let answer =
        site.json(&token, BY_FIELD, &[("field", "email"), ("values[0]", "ann@example.com")]).await;
    assert_eq!(ids(&answer), [ann.id]);
    let xml = site.xml(&token, BY_FIELD, &[("field", "username"), ("values[0]", "ann")]).await;
    assert!(
        xml.starts_with(&format!(
            "{XML_START}<MULTIPLE>\n<SINGLE>\n<KEY name=\"id\"><VALUE>{a}</VALUE>\n</KEY>\n"
        )),
        "{xml}"
    );
    assert!(xml.contains("<KEY name=\"username\"><VALUE>ann</VALUE>\n</KEY>"), "{xml}");
    assert!(xml.contains("<KEY name=\"email\"><VALUE>ann@example.com</VALUE>\n</KEY>"), "{xml}");
    assert!(xml.ends_with("</SINGLE>\n</MULTIPLE>\n</RESPONSE>\n"), "{xml}");
});

backend_test!(get_users_by_field_errors_and_visibility, |store: Store| async move {
    let site = Site::start(store).await;
    show_debuginfo(&site).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let token = site.token(site.admin().id, &[BY_FIELD]).await;
    let answer = site.json(&token, BY_FIELD, &[("field", "password"), ("values[0]", "x")]).await;
    let message = assert_error(&answer, "coding_exception", "codingerror");
    assert_eq!(
        message,
        "Coding error detected, it must be fixed by a programmer: invalid field parameter"
    );
    assert_eq!(
        answer["debuginfo"],
        "The search field 'password' is not supported, look at the web service documentation"
    );
    let answer = site.json(&token, BY_FIELD, &[("field", "id"), ("values[0]", "abc")]).await;
    assert_invalid_parameter(&answer, "The field 'id' value is invalid: abc(cleaned value: 0)");
    let answer = site.json(&token, BY_FIELD, &[("field", "username"), ("values[0]", "Ann")]).await;
    assert_invalid_parameter(
        &answer,
        "The field 'username' value is invalid: Ann(cleaned value: ann)",
    );
    let xml = site.xml(&token, BY_FIELD, &[("field", "password"), ("values[0]", "x")]).await;
    assert!(xml.contains("<ERRORCODE>codingerror</ERRORCODE>"), "{xml}");
    // No capability is needed, but a user without moodle/user:viewdetails finds only themself.
    let token = site.token(ann.id, &[BY_FIELD]).await;
    let (a, b) = (ann.id.to_string(), bob.id.to_string());
    let answer =
        site.json(&token, BY_FIELD, &[("field", "id"), ("values[0]", &a), ("values[1]", &b)]).await;
    assert_eq!(ids(&answer), [ann.id]);
});
