//! `login/token.php` on a real store: the rows 4 to 16 of spec 01 §4.4, token reuse and creation
//! (02 §5.2), hand-out bookkeeping (§5.3), lock-out (§11) and the rehash of an old hash.

use portico_access::password::{PasswordPolicy, verify_password};
use portico_access::{AccessError, LoginGrant, LoginRequest};
use portico_store::Store;
use portico_store::model::{ExternalServiceUser, User};
use portico_testkit::backend_test;

use crate::common::*;

fn request<'a>(username: &'a str, password: &'a str, service: &'a str) -> LoginRequest<'a> {
    LoginRequest { username, password, service, client_ip: ip(), now: NOW, https: true }
}

async fn login(site: &Site, username: &str, service: &str) -> Result<LoginGrant, AccessError> {
    site.access.login(request(username, PASSWORD, service)).await
}

const INVALID_LOGIN: &str = "Invalid login, please try again";

async fn change_user(site: &Site, id: i64, change: impl FnOnce(&mut User)) {
    let mut user = site.store.user_by_id(id).await.expect("read").expect("exists");
    change(&mut user);
    site.store.update_user(&user).await.expect("update");
    site.access.invalidate(&portico_access::Invalidation::User(id));
}

backend_test!(a_first_login_creates_a_token_and_logs_it, |store: Store| async move {
    let site = site(store).await;
    let grant = login(&site, "  STUDENT1 ", "moodle_mobile_app").await.expect("logged in");
    assert_eq!(grant.token.len(), 32);
    assert!(grant.token.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    let private = grant.privatetoken.clone().expect("https site, not an administrator");
    assert_eq!(private.len(), 64);

    let row = site.store.token_by_value(&grant.token).await.expect("read").expect("stored");
    assert_eq!(row.userid, site.student.id);
    assert_eq!(row.creatorid, site.student.id);
    assert_eq!((row.tokentype, row.contextid, row.sid.clone()), (0, 1, None));
    assert_eq!(row.validuntil, Some(NOW + 7_257_600));
    assert_eq!((row.timecreated, row.lastaccess), (NOW, Some(NOW)));
    assert_eq!(row.privatetoken.as_deref(), Some(private.as_str()));
    assert!(row.name.as_deref().is_some_and(|n| n.starts_with("Webservice-") && n.len() == 16));

    let created = events_named(&site, "webservice_token_created").await;
    assert_eq!(created.len(), 1);
    assert_eq!((created[0].objectid, created[0].relateduserid), (Some(row.id), Some(row.userid)));
    assert_eq!(created[0].other.as_deref(), Some(r#"{"auto":true}"#));
    let sent = events_named(&site, "webservice_token_sent").await;
    assert_eq!((sent.len(), sent[0].objectid, sent[0].userid), (1, Some(row.id), row.userid));
    assert_eq!(created[0].crud, "c");

    // The token works on the REST server.
    assert!(call(&site.access, &grant.token, FUNCTION).await.is_ok());
});

backend_test!(a_second_login_reuses_the_token, |store: Store| async move {
    let site = site(store).await;
    let first = login(&site, "student1", "moodle_mobile_app").await.expect("first");
    let second = login(&site, "student1", "moodle_mobile_app").await.expect("second");
    assert_eq!(first, second);
    assert_eq!(site.store.tokens_of_user(site.student.id).await.expect("read").len(), 1);
    assert_eq!(events_named(&site, "webservice_token_created").await.len(), 1);
    assert_eq!(events_named(&site, "webservice_token_sent").await.len(), 2);
});

backend_test!(reuse_takes_the_newest_valid_token, |store: Store| async move {
    let site = site(store).await;
    let (s, m, u) = (&site.store, &site.mobile, &site.student);
    let expired = token(s, u, m, "expired000000000000000000000000a", |t| {
        t.timecreated = NOW - 10;
        t.validuntil = Some(NOW - 1);
    })
    .await;
    let older =
        token(s, u, m, "older0000000000000000000000000aa", |t| t.timecreated = NOW - 300).await;
    let newer = token(s, u, m, "newer0000000000000000000000000aa", |t| {
        t.timecreated = NOW - 200;
        t.validuntil = Some(NOW + 100);
        t.privatetoken = Some("Q".repeat(64));
    })
    .await;
    let elsewhere = token(s, u, m, "elsewhere0000000000000000000000a", |t| {
        t.timecreated = NOW - 100;
        t.iprestriction = Some("192.168.0.0/16".into());
    })
    .await;
    let grant = login(&site, "student1", "moodle_mobile_app").await.expect("logged in");
    assert_eq!(grant.token, newer.token);
    assert_eq!(grant.privatetoken, newer.privatetoken);
    // Expired: deleted. IP-mismatched: kept, just skipped. Expiry not extended.
    assert_eq!(s.token_by_id(expired.id).await.expect("read"), None);
    assert!(s.token_by_id(elsewhere.id).await.expect("read").is_some());
    assert!(s.token_by_id(older.id).await.expect("read").is_some());
    let row = s.token_by_id(newer.id).await.expect("read").expect("kept");
    assert_eq!((row.validuntil, row.lastaccess), (Some(NOW + 100), Some(NOW)));
    assert!(events_named(&site, "webservice_token_created").await.is_empty());
});

backend_test!(row_4_restored_account, |store: Store| async move {
    let site = site(store).await;
    user(&site.store, "restoreduser", "restored").await;
    refused(
        login(&site, "restoreduser", "moodle_mobile_app").await,
        "restoredaccountresetpassword",
        "Restored account need to reset password before getting a token.",
        None,
    );
});

backend_test!(row_5_authentication_failures_are_invalidlogin, |store: Store| async move {
    let site = site(store).await;
    let wrong = site.access.login(request("student1", "wrong", "moodle_mobile_app")).await;
    refused(wrong, "invalidlogin", INVALID_LOGIN, None);
    let empty = site.access.login(request("student1", "", "moodle_mobile_app")).await;
    refused(empty, "invalidlogin", INVALID_LOGIN, None);
    refused(login(&site, "nobody", "moodle_mobile_app").await, "invalidlogin", INVALID_LOGIN, None);
    let hash = vector_hash("sha512-crypt-10000");
    let suspended = user(&site.store, "suspended1", &hash).await;
    site.store.set_user_suspended(suspended.id, true).await.expect("suspend");
    refused(
        login(&site, "suspended1", "moodle_mobile_app").await,
        "invalidlogin",
        INVALID_LOGIN,
        None,
    );
    let nologin = user(&site.store, "nologin1", &hash).await;
    change_user(&site, nologin.id, |u| u.auth = "nologin".into()).await;
    refused(
        login(&site, "nologin1", "moodle_mobile_app").await,
        "invalidlogin",
        INVALID_LOGIN,
        None,
    );
    let ws = user(&site.store, "wsuser1", &hash).await;
    change_user(&site, ws.id, |u| u.auth = "webservice".into()).await;
    refused(
        login(&site, "wsuser1", "moodle_mobile_app").await,
        "invalidlogin",
        INVALID_LOGIN,
        None,
    );

    let failed = events_named(&site, "user_login_failed").await;
    let seen: Vec<(i64, Option<String>)> =
        failed.iter().map(|e| (e.userid, e.other.clone())).collect();
    let other =
        |name: &str, reason: i64| Some(format!(r#"{{"username":"{name}","reason":{reason}}}"#));
    assert_eq!(
        seen,
        [
            (site.student.id, other("student1", 3)),
            (site.student.id, other("student1", 3)),
            (0, other("nobody", 1)),
            (suspended.id, other("suspended1", 2)),
            (nologin.id, other("nologin1", 2)),
            (ws.id, other("wsuser1", 2)),
        ]
    );
    assert!(site.store.list_tokens().await.expect("read").is_empty());
});

backend_test!(row_6_maintenance_mode_admits_administrators_only, |store: Store| async move {
    let site = site(store).await;
    let admin = user(&site.store, "admin", &vector_hash("sha512-crypt-10000")).await;
    site.store.set_config("siteadmins", &admin.id.to_string()).await.expect("config");
    site.store.set_config("maintenance_enabled", "1").await.expect("config");
    refused(
        login(&site, "student1", "moodle_mobile_app").await,
        "sitemaintenance",
        "The site is undergoing maintenance and is currently not available",
        None,
    );
    // Administrators get mobile tokens, but never their private token.
    let grant = login(&site, "admin", "moodle_mobile_app").await.expect("administrator");
    assert_eq!(grant.privatetoken, None);
    // ... and never a token for another service automatically.
    custom_service(&site.store, "custom").await;
    site.store.set_config("maintenance_enabled", "0").await.expect("config");
    site.access.invalidate(&portico_access::Invalidation::Site);
    refused(
        login(&site, "admin", "custom").await,
        "cannotcreatetoken",
        "No permission to create web service token for the service custom.",
        None,
    );
});

backend_test!(row_7_unconfirmed_account, |store: Store| async move {
    let site = site(store).await;
    change_user(&site, site.student.id, |u| u.confirmed = 0).await;
    refused(
        login(&site, "student1", "moodle_mobile_app").await,
        "usernotconfirmed",
        "Could not confirm student1",
        None,
    );
});

backend_test!(row_8_guest_account, |store: Store| async move {
    let site = site(store).await;
    // The migrations install the guest user (id 1); give it a password it can log in with.
    site.store.update_user_password(1, &vector_hash("sha512-crypt-10000")).await.expect("hash");
    refused(login(&site, "guest", "moodle_mobile_app").await, "noguest", "No guests here!", None);
});

backend_test!(row_10_service_not_available, |store: Store| async move {
    let site = site(store).await;
    let message = "Web service is not available. (It doesn't exist or might be disabled.)";
    refused(
        login(&site, "student1", "no_such_service").await,
        "servicenotavailable",
        message,
        None,
    );
    refused(
        login(&site, "student1", "moodle mobile app!").await,
        "servicenotavailable",
        message,
        None,
    );
    site.store.set_service_enabled(site.mobile.id, false).await.expect("disable");
    site.access.invalidate(&portico_access::Invalidation::Service(site.mobile.id));
    refused(
        login(&site, "student1", "moodle_mobile_app").await,
        "servicenotavailable",
        message,
        None,
    );
});

backend_test!(row_12_required_capability, |store: Store| async move {
    let site = site(store).await;
    let mut service = custom_service(&site.store, "custom").await;
    service.requiredcapability = Some("moodle/user:create".into());
    site.store.update_service(&service).await.expect("update");
    refused(
        login(&site, "student1", "custom").await,
        "missingrequiredcapability",
        "The capability moodle/user:create is required.",
        None,
    );
});

backend_test!(rows_13_to_15_restricted_service, |store: Store| async move {
    let site = site(store).await;
    let mut service = custom_service(&site.store, "custom").await;
    service.restrictedusers = 1;
    site.store.update_service(&service).await.expect("update");
    refused(
        login(&site, "student1", "custom").await,
        "usernotallowed",
        "The user is not allowed for this service. First you need to allow this user on the \
         custom's allowed users administration page.",
        None,
    );
    let mut listing = ExternalServiceUser {
        id: 0,
        externalserviceid: service.id,
        userid: site.student.id,
        iprestriction: None,
        validuntil: Some(NOW - 1),
        timecreated: Some(NOW),
    };
    let stored = site.store.add_service_user(&listing).await.expect("listing");
    site.access.invalidate(&portico_access::Invalidation::Service(service.id));
    refused(
        login(&site, "student1", "custom").await,
        "invalidtimedtoken",
        "Invalid token - token expired",
        None,
    );
    listing = ExternalServiceUser {
        id: stored.id,
        validuntil: None,
        iprestriction: Some("192.168.".into()),
        ..listing
    };
    site.store.update_service_user(&listing).await.expect("update listing");
    site.access.invalidate(&portico_access::Invalidation::Service(service.id));
    refused(
        login(&site, "student1", "custom").await,
        "invalidiptoken",
        "Invalid token - your IP is not supported",
        None,
    );
});

backend_test!(row_16_student_cannot_create_a_custom_service_token, |store: Store| async move {
    let site = site(store).await;
    let service = custom_service(&site.store, "custom").await;
    refused(
        login(&site, "student1", "custom").await,
        "cannotcreatetoken",
        "No permission to create web service token for the service custom.",
        None,
    );
    // An administrator-made token for the student is handed out.
    let made =
        token(&site.store, &site.student, &service, "made00000000000000000000000000aa", |_| {})
            .await;
    let grant = login(&site, "student1", "custom").await.expect("reused");
    assert_eq!(grant.token, made.token);
});

backend_test!(plain_http_sites_send_no_private_token, |store: Store| async move {
    let site = site(store).await;
    let plain = LoginRequest { https: false, ..request("student1", PASSWORD, "moodle_mobile_app") };
    let grant = site.access.login(plain).await.expect("logged in");
    assert_eq!(grant.privatetoken, None);
    let row = site.store.token_by_value(&grant.token).await.expect("read").expect("stored");
    assert!(row.privatetoken.is_some(), "the row keeps its private token");
});

backend_test!(email_login_only_when_the_site_allows_it, |store: Store| async move {
    let site = site(store).await;
    let by_email = || login(&site, "Student1@Example.com", "moodle_mobile_app");
    refused(by_email().await, "invalidlogin", INVALID_LOGIN, None);
    site.store.set_config("authloginviaemail", "1").await.expect("config");
    site.access.invalidate(&portico_access::Invalidation::Site);
    assert!(by_email().await.is_ok());
    // Two accounts sharing the address: ambiguous, refused.
    let twin = user(&site.store, "twin", &vector_hash("sha512-crypt-10000")).await;
    change_user(&site, twin.id, |u| u.email = "student1@example.com".into()).await;
    refused(by_email().await, "invalidlogin", INVALID_LOGIN, None);
});

backend_test!(lockout_after_the_threshold, |store: Store| async move {
    let site = site(store).await;
    site.store.set_config("lockoutthreshold", "3").await.expect("config");
    let attempt = |password: &'static str, now: i64| {
        let request = LoginRequest { now, ..request("student1", password, "moodle_mobile_app") };
        site.access.login(request)
    };
    for _ in 0..3 {
        refused(attempt("wrong", NOW).await, "invalidlogin", INVALID_LOGIN, None);
    }
    // Locked: the right password fails too (reason 4), and existing tokens are not touched.
    refused(attempt(PASSWORD, NOW + 1).await, "invalidlogin", INVALID_LOGIN, None);
    let failed = events_named(&site, "user_login_failed").await;
    let last = failed.last().and_then(|e| e.other.clone());
    assert_eq!(last.as_deref(), Some(r#"{"username":"student1","reason":4}"#));
    // After lockoutduration (1800 s by default) the lock is lifted.
    assert!(attempt(PASSWORD, NOW + 1801).await.is_ok());
    let preference = site.store.get_user_preference(site.student.id, "login_lockout").await;
    assert_eq!(preference.expect("read"), None);
});

backend_test!(success_resets_the_failure_counter, |store: Store| async move {
    let site = site(store).await;
    site.store.set_config("lockoutthreshold", "3").await.expect("config");
    for _ in 0..2 {
        let wrong = site.access.login(request("student1", "wrong", "moodle_mobile_app")).await;
        refused(wrong, "invalidlogin", INVALID_LOGIN, None);
    }
    assert!(login(&site, "student1", "moodle_mobile_app").await.is_ok());
    let wrong = site.access.login(request("student1", "wrong", "moodle_mobile_app")).await;
    refused(wrong, "invalidlogin", INVALID_LOGIN, None);
    // One failure since the success: not locked.
    assert!(login(&site, "student1", "moodle_mobile_app").await.is_ok());
});

backend_test!(an_old_bcrypt_hash_is_upgraded_on_login, |store: Store| async move {
    let site = site(store).await;
    let old = user(&site.store, "olduser", &vector_hash("bcrypt-10")).await;
    assert!(login(&site, "olduser", "moodle_mobile_app").await.is_ok());
    let row = site.store.user_by_id(old.id).await.expect("read").expect("exists");
    assert!(row.password.starts_with("$6$rounds=10000$"), "{}", row.password);
    let verified = verify_password(PASSWORD, &row.password, &PasswordPolicy::default());
    assert_eq!(verified.map(|v| v.needs_rehash), Some(false));
    // And the new hash logs in.
    assert!(login(&site, "olduser", "moodle_mobile_app").await.is_ok());
});
