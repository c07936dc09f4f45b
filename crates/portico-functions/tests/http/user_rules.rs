//! Reviewed behaviours of the user functions over HTTP: `core_user_update_users` under the site
//! password policy, `core_user_delete_users` refusing an administrator, and the manager's view of
//! a category without ID number in `core_course_get_categories`.

use portico_store::Store;
use portico_store::model::MNET_LOCALHOST_ID;
use portico_testkit::backend_test;

use crate::{Site, assert_error};

backend_test!(update_users_weak_password_fails_after_the_others, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let bob = site.user("bob").await;
    let token = site.token(site.admin().id, &["core_user_update_users"]).await;
    let (ann_id, bob_id) = (ann.id.to_string(), bob.id.to_string());
    let args = [
        ("users[0][id]", ann_id.as_str()),
        ("users[0][city]", "Paris"),
        ("users[1][id]", bob_id.as_str()),
        ("users[1][password]", "weak"),
    ];
    let answer = site.json(&token, "core_user_update_users", &args).await;
    let message = assert_error(&answer, "invalid_response_exception", "invalidresponse");
    assert_eq!(message, "Invalid response value detected");
    // Without debugging the client sees no debuginfo, as with Moodle's default settings.
    assert!(answer.get("debuginfo").is_none(), "{answer}");
    // As in Moodle, the other user was written before the answer failed; bob was not.
    let stored = site.store().user_by_id(ann.id).await.unwrap().unwrap();
    assert_eq!(stored.city, "Paris");
    let stored = site.store().user_by_id(bob.id).await.unwrap().unwrap();
    assert_eq!(stored.password, bob.password);
    // A strong password is accepted: the answer is the (empty) list of warnings.
    let args = [("users[0][id]", bob_id.as_str()), ("users[0][password]", "Str0ng!pass")];
    let answer = site.json(&token, "core_user_update_users", &args).await;
    assert_eq!(answer, serde_json::json!({"warnings": []}));
    let xml = site.xml(&token, "core_user_update_users", &args).await;
    assert!(xml.contains("<KEY name=\"warnings\"><MULTIPLE>"), "{xml}");
});

backend_test!(delete_users_refuses_an_administrator, |store: Store| async move {
    let site = Site::start(store).await;
    let ann = site.user("ann").await;
    let other_admin = site.user("admin2").await;
    let admins = format!("{},{}", site.admin().id, other_admin.id);
    site.store().set_config("siteadmins", &admins).await.unwrap();
    let token = site.token(site.admin().id, &["core_user_delete_users"]).await;
    let (ann_id, admin_id) = (ann.id.to_string(), other_admin.id.to_string());
    let args = [("userids[0]", ann_id.as_str()), ("userids[1]", admin_id.as_str())];
    let answer = site.json(&token, "core_user_delete_users", &args).await;
    let message = assert_error(&answer, "moodle_exception", "useradminodelete");
    assert_eq!(message, "Administrator accounts can not be deleted");
    let stored = site.store().user_by_username("ann", MNET_LOCALHOST_ID).await.unwrap();
    assert_eq!(stored.map(|user| user.deleted), Some(0));
});

backend_test!(get_categories_shows_a_missing_idnumber_as_null, |store: Store| async move {
    let site = Site::start(store).await;
    let token = site.token(site.admin().id, &["core_course_get_categories"]).await;
    let args = [("criteria[0][key]", "id"), ("criteria[0][value]", "1")];
    let answer = site.json(&token, "core_course_get_categories", &args).await;
    let category = &answer[0];
    assert!(category.as_object().unwrap().contains_key("idnumber"), "{answer}");
    assert!(category["idnumber"].is_null(), "{answer}");
});
