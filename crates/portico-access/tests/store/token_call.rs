//! One test per row of spec 02 §3's check order, on a real store.

use portico_access::Caller;
use portico_store::Store;
use portico_store::model::{Session, User};
use portico_testkit::backend_test;

use crate::common::*;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const ACCESS: &str = "Access control exception";

async fn with_token(store: Store) -> (Site, i64) {
    let site = site(store).await;
    let token = token(&site.store, &site.student, &site.mobile, TOKEN, |_| {}).await;
    (site, token.id)
}

async fn update(site: &Site, change: impl FnOnce(&mut User)) {
    let mut user = site.store.user_by_id(site.student.id).await.expect("read").expect("exists");
    change(&mut user);
    site.store.update_user(&user).await.expect("update");
    // No watcher runs in these tests: tell the cache directly, as the change feed would.
    site.access.invalidate(&portico_access::Invalidation::User(site.student.id));
}

backend_test!(a_valid_call_is_allowed_and_touches_lastaccess, |store: Store| async move {
    let (site, id) = with_token(store).await;
    let caller = call(&site.access, TOKEN, FUNCTION).await.expect("allowed");
    let expected =
        Caller { userid: site.student.id, tokenid: id, serviceid: site.mobile.id, contextid: 1 };
    assert_eq!(caller, expected);
    // Step 6: lastaccess is written on the first call.
    let row = site.store.token_by_id(id).await.expect("read").expect("exists");
    assert_eq!(row.lastaccess, Some(NOW));
});

backend_test!(step_0b_web_services_disabled, |store: Store| async move {
    let (site, _) = with_token(store).await;
    site.store.set_config("enablewebservices", "0").await.expect("config");
    site.access.invalidate(&portico_access::Invalidation::Site);
    let result = call(&site.access, TOKEN, FUNCTION).await;
    assert!(matches!(result, Err(portico_access::AccessError::ProtocolDisabled { .. })));
    let result = site.access.authorise_token_call(TOKEN, FUNCTION, "xmlrpc", ip(), NOW).await;
    assert!(matches!(result, Err(portico_access::AccessError::ProtocolDisabled { .. })));
});

backend_test!(step_1_unknown_token_is_logged, |store: Store| async move {
    let (site, _) = with_token(store).await;
    for value in ["", "not-a-token", &TOKEN.to_uppercase()] {
        refused(
            call(&site.access, value, FUNCTION).await,
            "invalidtoken",
            "Invalid token - token not found",
            None,
        );
    }
    let failed = events_named(&site, "webservice_login_failed").await;
    assert_eq!(failed.len(), 3);
    assert_eq!(failed[0].other.as_deref(), Some(r#"{"method":1,"reason":"invalid_token"}"#));
    assert_eq!(failed[0].ip.as_deref(), Some("10.0.0.1"));
});

backend_test!(step_1_embedded_tokens_are_unknown, |store: Store| async move {
    let site = site(store).await;
    token(&site.store, &site.student, &site.mobile, TOKEN, |t| t.tokentype = 1).await;
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "invalidtoken",
        "Invalid token - token not found",
        None,
    );
});

backend_test!(step_2_expired_token_is_deleted, |store: Store| async move {
    let site = site(store).await;
    let expired =
        token(&site.store, &site.student, &site.mobile, TOKEN, |t| t.validuntil = Some(NOW - 1))
            .await;
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "accessexception",
        ACCESS,
        Some("Invalid token - token expired - check validuntil time for the token"),
    );
    assert_eq!(site.store.token_by_id(expired.id).await.expect("read"), None);
});

backend_test!(step_3_session_token_without_session, |store: Store| async move {
    let site = site(store).await;
    let orphan =
        token(&site.store, &site.student, &site.mobile, TOKEN, |t| t.sid = Some("gone".into()))
            .await;
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "accessexception",
        ACCESS,
        Some("Invalid session based token - session not found or expired"),
    );
    assert_eq!(site.store.token_by_id(orphan.id).await.expect("read"), None);

    // With its session alive, the same kind of token works.
    let session = Session {
        id: 0,
        state: 0,
        sid: "alive".into(),
        userid: site.student.id,
        sessdata: None,
        timecreated: NOW,
        timemodified: NOW,
        firstip: None,
        lastip: None,
    };
    site.store.create_session(&session).await.expect("session");
    let other = "fedcba9876543210fedcba9876543210";
    token(&site.store, &site.student, &site.mobile, other, |t| t.sid = Some("alive".into())).await;
    assert!(call(&site.access, other, FUNCTION).await.is_ok());
});

backend_test!(step_4_ip_restriction_is_logged, |store: Store| async move {
    let site = site(store).await;
    let restricted = token(&site.store, &site.student, &site.mobile, TOKEN, |t| {
        t.iprestriction = Some("192.168.0.0/16".into())
    })
    .await;
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "accessexception",
        ACCESS,
        Some("Invalid service - IP:10.0.0.1 is not supported - check this allowed user"),
    );
    let failed = events_named(&site, "webservice_login_failed").await;
    let other = format!(r#"{{"method":1,"reason":"ip_restricted","tokenid":{}}}"#, restricted.id);
    assert_eq!(failed.iter().map(|e| e.other.clone()).collect::<Vec<_>>(), [Some(other)]);
});

backend_test!(step_5_user_row_missing, |store: Store| async move {
    let site = site(store).await;
    let ghost = User { id: 9999, ..site.student.clone() };
    token(&site.store, &ghost, &site.mobile, TOKEN, |_| {}).await;
    refused(call(&site.access, TOKEN, FUNCTION).await, "invaliduser", "Invalid user", None);
});

backend_test!(step_7_maintenance_mode, |store: Store| async move {
    let (site, _) = with_token(store).await;
    site.store.set_config("maintenance_enabled", "1").await.expect("config");
    site.access.invalidate(&portico_access::Invalidation::Site);
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "sitemaintenance",
        "The site is undergoing maintenance and is currently not available",
        None,
    );
});

backend_test!(step_8_deleted_user, |store: Store| async move {
    let (site, _) = with_token(store).await;
    update(&site, |u| u.deleted = 1).await;
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "wsaccessuserdeleted",
        "Refused web service access for deleted username: student1",
        None,
    );
    let failed = events_named(&site, "webservice_login_failed").await;
    assert_eq!(failed[0].other.as_deref(), Some(r#"{"method":1,"reason":"user_deleted"}"#));
});

backend_test!(step_9_unconfirmed_user, |store: Store| async move {
    let (site, _) = with_token(store).await;
    update(&site, |u| u.confirmed = 0).await;
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "wsaccessuserunconfirmed",
        "Refused web service access for unconfirmed username: student1",
        None,
    );
});

backend_test!(step_10_suspended_user, |store: Store| async move {
    let (site, id) = with_token(store).await;
    site.store.set_user_suspended(site.student.id, true).await.expect("suspend");
    site.access.invalidate(&portico_access::Invalidation::User(site.student.id));
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "wsaccessusersuspended",
        "Refused web service access for suspended username: student1",
        None,
    );
    // Step 6 comes before the user checks: the refused call still touched the token.
    let row = site.store.token_by_id(id).await.expect("read").expect("exists");
    assert_eq!(row.lastaccess, Some(NOW));
    let failed = events_named(&site, "webservice_login_failed").await;
    assert_eq!(failed[0].other.as_deref(), Some(r#"{"method":1,"reason":"user_unconfirmed"}"#));
});

backend_test!(step_12_nologin_user, |store: Store| async move {
    let (site, _) = with_token(store).await;
    update(&site, |u| u.auth = "nologin".into()).await;
    refused(
        call(&site.access, TOKEN, FUNCTION).await,
        "wsaccessusernologin",
        "Refused web service access for nologin authentication username: student1",
        None,
    );
});

backend_test!(step_14_protocol_capability, |store: Store| async move {
    let (site, _) = with_token(store).await;
    let result = site.access.authorise_token_call(TOKEN, FUNCTION, "soap", ip(), NOW).await;
    refused(
        result,
        "accessexception",
        ACCESS,
        Some(
            "You are not allowed to use the soap protocol (missing capability: webservice/soap:use)",
        ),
    );
});

backend_test!(step_15_missing_function_name, |store: Store| async move {
    let (site, _) = with_token(store).await;
    refused(
        call(&site.access, TOKEN, "").await,
        "invalidparameter",
        "Invalid parameter value detected",
        Some("Missing function name"),
    );
});

backend_test!(step_16_unregistered_function, |store: Store| async move {
    let (site, _) = with_token(store).await;
    refused(
        call(&site.access, TOKEN, "local_nothing_here").await,
        "invalidrecord",
        "Can't find data record in database table external_functions.",
        None,
    );
});

backend_test!(step_17_service_authorisation, |store: Store| async move {
    let (site, _) = with_token(store).await;
    let error = call(&site.access, TOKEN, OTHER_FUNCTION).await.expect_err("not in the service");
    let exception = error.exception();
    assert_eq!(
        (exception.errorcode.as_ref(), exception.message.as_str()),
        ("accessexception", ACCESS)
    );
    let debuginfo =
        String::from_utf8_lossy(exception.debuginfo.as_ref().expect("debuginfo").as_ref())
            .into_owned();
    assert!(
        debuginfo.starts_with("Access to the function core_user_create_users() is not allowed.")
    );

    // A disabled service is only noticed here (the token itself is accepted).
    site.store.set_service_enabled(site.mobile.id, false).await.expect("disable");
    site.access.invalidate(&portico_access::Invalidation::Service(site.mobile.id));
    let error = call(&site.access, TOKEN, FUNCTION).await.expect_err("service disabled");
    assert_eq!(error.exception().errorcode, "accessexception");
});

backend_test!(step_17_restricted_service_listing, |store: Store| async move {
    let site = site(store).await;
    let service = custom_service(&site.store, "restricted").await;
    let mut restricted = service.clone();
    restricted.restrictedusers = 1;
    site.store.update_service(&restricted).await.expect("restrict");
    token(&site.store, &site.student, &service, TOKEN, |_| {}).await;
    let error = call(&site.access, TOKEN, FUNCTION).await.expect_err("not listed");
    assert_eq!(error.exception().errorcode, "accessexception");

    // Listed with a future expiry: allowed (the intended comparison, spec README decision 2).
    let listing = portico_store::model::ExternalServiceUser {
        id: 0,
        externalserviceid: service.id,
        userid: site.student.id,
        iprestriction: None,
        validuntil: Some(NOW + 3600),
        timecreated: Some(NOW),
    };
    site.store.add_service_user(&listing).await.expect("listing");
    site.access.invalidate(&portico_access::Invalidation::Service(service.id));
    assert!(call(&site.access, TOKEN, FUNCTION).await.is_ok());
});
