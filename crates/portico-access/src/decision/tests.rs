//! A test per row of spec 02 §3's check order, of §5's login checks and of §11's lock-out.

use portico_store::model::{CAP_ALLOW, role_id};

use super::*;

const NOW: i64 = 1_700_000_000;
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const FUNCTION: &str = "core_webservice_get_site_info";

struct World {
    site: SiteConfig,
    roles: RoleSnapshot,
    token: ExternalToken,
    session_exists: bool,
    user: UserFacts,
    context_path: Vec<i64>,
    function_registered: bool,
    service: ServiceEntry,
}

fn world() -> World {
    let mut roles = RoleSnapshot::with_defaults();
    roles.set(role_id::USER, 1, "webservice/rest:use", CAP_ALLOW);
    let service = ExternalService {
        id: 1,
        name: "Moodle mobile web service".into(),
        enabled: 1,
        requiredcapability: None,
        restrictedusers: 0,
        component: Some("moodle".into()),
        timecreated: 0,
        timemodified: None,
        shortname: Some("moodle_mobile_app".into()),
        downloadfiles: 1,
        uploadfiles: 1,
    };
    World {
        site: SiteConfig {
            enablewebservices: true,
            webserviceprotocols: vec!["rest".into()],
            ..SiteConfig::default()
        },
        roles,
        token: ExternalToken {
            id: 5,
            token: TOKEN.into(),
            privatetoken: None,
            tokentype: 0,
            userid: 10,
            externalserviceid: 1,
            sid: None,
            contextid: 1,
            creatorid: 10,
            iprestriction: None,
            validuntil: Some(NOW + 100),
            timecreated: NOW - 1000,
            lastaccess: Some(NOW - 10),
            name: None,
        },
        session_exists: true,
        user: UserFacts {
            user: User {
                id: 10,
                auth: "manual".into(),
                confirmed: 1,
                username: "anne".into(),
                mnethostid: 1,
                ..User::default()
            },
            assignments: vec![],
            password_expired: false,
        },
        context_path: vec![1],
        function_registered: true,
        service: ServiceEntry {
            service,
            functions: [FUNCTION.to_owned()].into(),
            users: HashMap::new(),
        },
    }
}

impl World {
    fn call(&self, function: &str) -> Decision<Caller> {
        let call = TokenCall {
            token: TOKEN,
            function,
            protocol: "rest",
            client_ip: "10.0.0.1".parse().expect("valid"),
            now: NOW,
        };
        decide_token_call(
            call,
            CallFacts {
                site: &self.site,
                roles: &self.roles,
                token: Some(&self.token),
                session_exists: self.session_exists,
                user: Some(&self.user),
                context_path: &self.context_path,
                function_registered: self.function_registered,
                service: Some(&self.service),
            },
        )
    }
}

/// Asserts the refusal's error code, message and debug information.
fn check(world: &World, errorcode: &str, message: &str, debuginfo: Option<&str>) -> Effects {
    let decision = world.call(FUNCTION);
    let error = decision.outcome.expect_err("the call must be refused");
    let exception = error.exception();
    assert_eq!(exception.errorcode, errorcode, "{error:?}");
    assert_eq!(exception.message, message, "{error:?}");
    assert_eq!(exception.debuginfo.as_ref().map(|d| d.to_string()).as_deref(), debuginfo);
    decision.effects
}

const ACCESS: &str = "Access control exception";

#[test]
fn a_valid_call_is_allowed_and_touches_lastaccess_once_a_minute() {
    let mut world = world();
    let decision = world.call(FUNCTION);
    assert_eq!(decision.outcome, Ok(Caller { userid: 10, tokenid: 5, serviceid: 1, contextid: 1 }));
    assert_eq!(decision.effects.touch_token, None);
    world.token.lastaccess = Some(NOW - 60);
    assert_eq!(world.call(FUNCTION).effects.touch_token, Some(5));
    world.token.lastaccess = None;
    assert_eq!(world.call(FUNCTION).effects.touch_token, Some(5));
}

#[test]
fn step_0b_protocol_disabled() {
    let mut world = world();
    world.site.webserviceprotocols.clear();
    let error = world.call(FUNCTION).outcome.expect_err("refused");
    assert_eq!(error, AccessError::ProtocolDisabled { protocol: "rest".into() });
    world = self::world();
    world.site.enablewebservices = false;
    assert!(matches!(world.call(FUNCTION).outcome, Err(AccessError::ProtocolDisabled { .. })));
}

#[test]
fn step_1_unknown_token() {
    let world = world();
    let call = TokenCall {
        token: "nope",
        function: FUNCTION,
        protocol: "rest",
        client_ip: "10.0.0.1".parse().expect("valid"),
        now: NOW,
    };
    let facts = CallFacts {
        site: &world.site,
        roles: &world.roles,
        token: None,
        session_exists: true,
        user: None,
        context_path: &[],
        function_registered: true,
        service: None,
    };
    let decision = decide_token_call(call, facts);
    let exception = decision.outcome.expect_err("refused").exception();
    assert_eq!(
        (exception.class, exception.errorcode.as_ref()),
        ("moodle_exception", "invalidtoken")
    );
    assert_eq!(exception.message, "Invalid token - token not found");
    assert_eq!(decision.effects.login_failed.map(|e| e.reason), Some("invalid_token"));
}

#[test]
fn step_1_embedded_and_upper_cased_tokens_are_unknown() {
    let mut world = world();
    world.token.tokentype = 1;
    check(&world, "invalidtoken", "Invalid token - token not found", None);
    let mut world = self::world();
    world.token.token = TOKEN.to_uppercase();
    check(&world, "invalidtoken", "Invalid token - token not found", None);
}

#[test]
fn step_2_expired_token_is_deleted() {
    let mut world = world();
    world.token.validuntil = Some(NOW - 1);
    let effects = check(
        &world,
        "accessexception",
        ACCESS,
        Some("Invalid token - token expired - check validuntil time for the token"),
    );
    assert_eq!(effects.delete_token, Some(5));
    assert_eq!(effects.login_failed, None);
    world.token.validuntil = Some(0);
    assert!(world.call(FUNCTION).outcome.is_ok());
    world.token.validuntil = Some(NOW);
    assert!(world.call(FUNCTION).outcome.is_ok());
}

#[test]
fn step_3_session_token_without_session() {
    let mut world = world();
    world.token.sid = Some("abc".into());
    world.session_exists = false;
    let effects = check(
        &world,
        "accessexception",
        ACCESS,
        Some("Invalid session based token - session not found or expired"),
    );
    assert_eq!(effects.delete_session_tokens.as_deref(), Some("abc"));
}

#[test]
fn step_4_ip_restriction() {
    let mut world = world();
    world.token.iprestriction = Some("192.168.0.0/16".into());
    let effects = check(
        &world,
        "accessexception",
        ACCESS,
        Some("Invalid service - IP:10.0.0.1 is not supported - check this allowed user"),
    );
    let event = effects.login_failed.expect("event");
    assert_eq!((event.reason, event.tokenid), ("ip_restricted", Some(5)));
    world.token.iprestriction = Some("10.0.0.0/8".into());
    assert!(world.call(FUNCTION).outcome.is_ok());
    world.token.iprestriction = Some(String::new());
    assert!(world.call(FUNCTION).outcome.is_ok());
}

#[test]
fn step_5_missing_user() {
    let mut world = world();
    world.token.userid = 99;
    check(&world, "invaliduser", "Invalid user", None);
    let exception = world.call(FUNCTION).outcome.expect_err("refused").exception();
    assert_eq!(exception.class, "dml_missing_record_exception");
}

#[test]
fn step_7_maintenance() {
    let mut world = world();
    world.site.maintenance_enabled = true;
    world.token.lastaccess = Some(0);
    let effects = check(
        &world,
        "sitemaintenance",
        "The site is undergoing maintenance and is currently not available",
        None,
    );
    // Step 6 happens before: a refused call still touches the token.
    assert_eq!(effects.touch_token, Some(5));
    world.roles.set(role_id::USER, 1, "moodle/site:maintenanceaccess", CAP_ALLOW);
    assert!(world.call(FUNCTION).outcome.is_ok());
}

#[test]
fn steps_8_to_12_user_state() {
    type Case = (fn(&mut UserFacts), &'static str, &'static str, &'static str);
    let cases: [Case; 5] = [
        (
            |u| u.user.deleted = 1,
            "wsaccessuserdeleted",
            "Refused web service access for deleted username: anne",
            "user_deleted",
        ),
        (
            |u| u.user.confirmed = 0,
            "wsaccessuserunconfirmed",
            "Refused web service access for unconfirmed username: anne",
            "user_unconfirmed",
        ),
        (
            |u| u.user.suspended = 1,
            "wsaccessusersuspended",
            "Refused web service access for suspended username: anne",
            "user_unconfirmed",
        ),
        (
            |u| u.password_expired = true,
            "wsaccessuserexpired",
            "Refused web service access for password expired username: anne",
            "password_expired",
        ),
        (
            |u| u.user.auth = "nologin".into(),
            "wsaccessusernologin",
            "Refused web service access for nologin authentication username: anne",
            "login",
        ),
    ];
    for (change, errorcode, message, reason) in cases {
        let mut world = world();
        change(&mut world.user);
        let effects = check(&world, errorcode, message, None);
        assert_eq!(effects.login_failed.map(|e| e.reason), Some(reason));
        let exception = world.call(FUNCTION).outcome.expect_err("refused").exception();
        assert_eq!(exception.class, "moodle_exception");
    }
    // Deleted wins over every other state.
    let mut world = world();
    world.user.user.deleted = 1;
    world.user.user.suspended = 1;
    world.user.user.confirmed = 0;
    check(
        &world,
        "wsaccessuserdeleted",
        "Refused web service access for deleted username: anne",
        None,
    );
}

#[test]
fn step_14_protocol_capability() {
    let mut world = world();
    world.roles = RoleSnapshot::with_defaults();
    check(
        &world,
        "accessexception",
        ACCESS,
        Some(
            "You are not allowed to use the rest protocol (missing capability: webservice/rest:use)",
        ),
    );
    // Site administrators pass every capability check.
    world.roles.site.siteadmins.push(10);
    assert!(world.call(FUNCTION).outcome.is_ok());
}

#[test]
fn step_15_missing_function_name() {
    let world = world();
    let exception = world.call("").outcome.expect_err("refused").exception();
    assert_eq!(exception.class, "invalid_parameter_exception");
    assert_eq!(exception.errorcode, "invalidparameter");
    assert_eq!(exception.message, "Invalid parameter value detected");
    assert_eq!(
        exception.debuginfo.map(|d| d.to_string()).as_deref(),
        Some("Missing function name")
    );
}

#[test]
fn step_16_unknown_function() {
    let mut world = world();
    world.function_registered = false;
    check(
        &world,
        "invalidrecord",
        "Can't find data record in database table external_functions.",
        None,
    );
}

fn not_allowed(world: &World) {
    let debuginfo = "Access to the function core_webservice_get_site_info() is not allowed.\n                     There could be multiple reasons for this:\n                     1. The service linked to the user token does not contain the function.\n                     2. The service is user-restricted and the user is not listed.\n                     3. The service is IP-restricted and the user IP is not listed.\n                     4. The service is time-restricted and the time has expired.\n                     5. The token is time-restricted and the time has expired.\n                     6. The service requires a specific capability which the user does not have.\n                     7. The function is called with username/password (no user token is sent)\n                     and none of the services has the function to allow the user.\n                     These settings can be found in Administration > Site administration\n                     > Server > Web services > External services and Manage tokens.";
    check(world, "accessexception", ACCESS, Some(debuginfo));
}

#[test]
fn step_17_service_authorisation() {
    let mut world = world();
    world.service.functions.clear();
    not_allowed(&world);

    let mut world = self::world();
    world.service.service.enabled = 0;
    not_allowed(&world);

    let mut world = self::world();
    world.service.service.requiredcapability = Some("moodle/course:update".into());
    not_allowed(&world);
    world.roles.set(role_id::USER, 1, "moodle/course:update", CAP_ALLOW);
    assert!(world.call(FUNCTION).outcome.is_ok());
}

#[test]
fn step_17_restricted_users_with_the_intended_expiry_comparison() {
    let mut world = world();
    world.service.service.restrictedusers = 1;
    not_allowed(&world);
    let listing = |validuntil, iprestriction: Option<&str>| ExternalServiceUser {
        id: 1,
        externalserviceid: 1,
        userid: 10,
        iprestriction: iprestriction.map(str::to_owned),
        validuntil,
        timecreated: None,
    };
    for (validuntil, ip, allowed) in [
        (None, None, true),
        (Some(0), None, true),
        (Some(NOW + 3600), None, true),
        (Some(NOW), None, true),
        (Some(NOW - 1), None, false),
        (None, Some("10.0.0.0/8"), true),
        (None, Some("192.168."), false),
    ] {
        world.service.users.insert(10, listing(validuntil, ip));
        if allowed {
            assert!(world.call(FUNCTION).outcome.is_ok(), "{validuntil:?} {ip:?}");
        } else {
            not_allowed(&world);
        }
    }
}

fn login_world() -> (World, ServiceEntry) {
    let world = world();
    let service = world.service.clone();
    (world, service)
}

fn login(world: &World, service: Option<&ServiceEntry>) -> Result<(), String> {
    let ip = "10.0.0.1".parse().expect("valid");
    check_login(&world.site, &world.roles, &world.user, service, ip, NOW)
        .map_err(|e| e.exception().errorcode.into_owned())
}

#[test]
fn login_checks_in_order() {
    let (mut world, service) = login_world();
    assert_eq!(login(&world, Some(&service)), Ok(()));
    assert_eq!(login(&world, None), Err("servicenotavailable".to_owned()));
    let mut disabled = service.clone();
    disabled.service.enabled = 0;
    assert_eq!(login(&world, Some(&disabled)), Err("servicenotavailable".to_owned()));
    world.site.maintenance_enabled = true;
    world.user.user.confirmed = 0;
    assert_eq!(login(&world, Some(&service)), Err("sitemaintenance".to_owned()));
    world.site.maintenance_enabled = false;
    assert_eq!(login(&world, Some(&service)), Err("usernotconfirmed".to_owned()));
    let error = check_login(
        &world.site,
        &world.roles,
        &world.user,
        Some(&service),
        "10.0.0.1".parse().expect("ip"),
        NOW,
    );
    assert_eq!(error.expect_err("refused").exception().message, "Could not confirm anne");
    world.user.user.confirmed = 1;
    world.user.password_expired = true;
    assert_eq!(login(&world, Some(&service)), Err("passwordisexpired".to_owned()));
    world.user.password_expired = false;
    world.user.user.id = 1;
    assert_eq!(login(&world, Some(&service)), Err("noguest".to_owned()));
}

#[test]
fn login_service_restrictions() {
    let (world, mut service) = login_world();
    service.service.requiredcapability = Some("moodle/course:update".into());
    let error = check_login(
        &world.site,
        &world.roles,
        &world.user,
        Some(&service),
        "10.0.0.1".parse().expect("ip"),
        NOW,
    )
    .expect_err("refused")
    .exception();
    assert_eq!(error.errorcode, "missingrequiredcapability");
    assert_eq!(error.message, "The capability moodle/course:update is required.");
    service.service.requiredcapability = None;
    service.service.restrictedusers = 1;
    let error = check_login(
        &world.site,
        &world.roles,
        &world.user,
        Some(&service),
        "10.0.0.1".parse().expect("ip"),
        NOW,
    )
    .expect_err("refused")
    .exception();
    assert_eq!(error.errorcode, "usernotallowed");
    assert_eq!(
        error.message,
        "The user is not allowed for this service. First you need to allow this user on the \
         moodle_mobile_app's allowed users administration page."
    );
    let mut listing = ExternalServiceUser {
        id: 1,
        externalserviceid: 1,
        userid: 10,
        iprestriction: None,
        validuntil: Some(NOW - 1),
        timecreated: None,
    };
    service.users.insert(10, listing.clone());
    assert_eq!(login(&world, Some(&service)), Err("invalidtimedtoken".to_owned()));
    listing.validuntil = None;
    listing.iprestriction = Some("192.168.".into());
    service.users.insert(10, listing);
    assert_eq!(login(&world, Some(&service)), Err("invalidiptoken".to_owned()));
}

#[test]
fn token_creation_rights() {
    let (world, service) = login_world();
    let user = &world.user;
    assert_eq!(may_create_token(&world.roles, user, &service.service), Ok(()));
    let mut custom = service.service.clone();
    custom.shortname = Some("custom".into());
    let error = may_create_token(&world.roles, user, &custom).expect_err("refused").exception();
    assert_eq!(error.errorcode, "cannotcreatetoken");
    assert_eq!(error.message, "No permission to create web service token for the service custom.");
    let mut manager = world.user.clone();
    manager.assignments.push((role_id::MANAGER, 1));
    assert_eq!(may_create_token(&world.roles, &manager, &custom), Ok(()));
    // Administrators get mobile tokens automatically, never tokens for other services.
    let mut roles = world.roles.clone();
    roles.site.siteadmins.push(10);
    assert_eq!(may_create_token(&roles, user, &service.service), Ok(()));
    assert!(may_create_token(&roles, user, &custom).is_err());
}

#[test]
fn authentication_order_and_lockout() {
    let site = SiteConfig { lockoutthreshold: 3, ..SiteConfig::default() };
    let (world, _) = login_world();
    let user = world.user.user.clone();
    let ok = |_: &User| true;
    let wrong = |_: &User| false;
    let unlocked = Lockout::default();
    assert_eq!(authenticate(&site, Some(&user), unlocked, NOW, ok), Authentication::Ok);
    assert_eq!(
        authenticate(&site, None, unlocked, NOW, ok),
        Authentication::Failed { reason: login_failure::NOUSER, counts: false }
    );
    assert_eq!(
        authenticate(&site, Some(&user), unlocked, NOW, wrong),
        Authentication::Failed { reason: login_failure::FAILED, counts: true }
    );
    let mut suspended = user.clone();
    suspended.suspended = 1;
    assert_eq!(
        authenticate(&site, Some(&suspended), unlocked, NOW, ok),
        Authentication::Failed { reason: login_failure::SUSPENDED, counts: false }
    );
    let mut nologin = user.clone();
    nologin.auth = "nologin".into();
    assert!(matches!(
        authenticate(&site, Some(&nologin), unlocked, NOW, ok),
        Authentication::Failed { reason: 2, .. }
    ));
    let mut webservice = user.clone();
    webservice.auth = "webservice".into();
    let mut with_ws = site.clone();
    with_ws.enabled_auths.push("webservice".into());
    assert!(matches!(
        authenticate(&with_ws, Some(&webservice), unlocked, NOW, ok),
        Authentication::Failed { reason: 3, .. }
    ));
    // Locked: even the right password fails, with reason 4, until the duration has passed.
    let locked = Lockout { locked_at: NOW - 10 };
    assert_eq!(
        authenticate(&site, Some(&user), locked, NOW, ok),
        Authentication::Failed { reason: login_failure::LOCKOUT, counts: false }
    );
    assert_eq!(authenticate(&site, Some(&user), locked, NOW + 1800, ok), Authentication::Ok);
    let forever = SiteConfig { lockoutduration: 0, ..site.clone() };
    assert!(locked.is_locked(&forever, NOW + 1_000_000));
    let off = SiteConfig::default();
    assert!(!locked.is_locked(&off, NOW));
    assert!(!locks_out(&site, 2));
    assert!(locks_out(&site, 3));
    assert!(!locks_out(&off, 100));
}

#[test]
fn login_error_messages() {
    let cases = [
        (
            AccessError::WebServicesDisabled,
            "enablewsdescription",
            "Web services must be enabled in Advanced features.",
        ),
        (
            AccessError::RestoredAccount,
            "restoredaccountresetpassword",
            "Restored account need to reset password before getting a token.",
        ),
        (AccessError::InvalidLogin, "invalidlogin", "Invalid login, please try again"),
        (AccessError::NoGuest, "noguest", "No guests here!"),
        (AccessError::PasswordIsExpired, "passwordisexpired", "Password is expired."),
        (
            AccessError::ServiceNotAvailable,
            "servicenotavailable",
            "Web service is not available. (It doesn't exist or might be disabled.)",
        ),
        (AccessError::ActiveUserDeleted, "userdeleted", "This user account has been deleted"),
        (AccessError::ActiveUserInvalid, "invaliduser", "Invalid user"),
        (
            AccessError::GuestsNotAllowed,
            "guestsarenotallowed",
            "The guest user is not allowed to do this",
        ),
        (AccessError::Suspended, "suspended", "Suspended account"),
        (AccessError::InvalidTimedToken, "invalidtimedtoken", "Invalid token - token expired"),
        (AccessError::InvalidIpToken, "invalidiptoken", "Invalid token - your IP is not supported"),
    ];
    for (error, errorcode, message) in cases {
        let exception = error.exception();
        assert_eq!(
            (exception.errorcode.as_ref(), exception.message.as_str()),
            (errorcode, message)
        );
        assert_eq!(exception.debuginfo, None);
    }
}
