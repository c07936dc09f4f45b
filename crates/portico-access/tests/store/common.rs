//! Fixtures for the store-backed access tests: a site set up with the store API alone (no
//! `portico-engine`), users, services and tokens, and assertions on Moodle's exceptions.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use portico_access::capability::{DEFAULT_CAPABILITIES, default_role_capabilities};
use portico_access::{Access, AccessError, Caller, StoreSource, watch_changes};
use portico_store::Store;
use portico_store::model::{
    CAP_ALLOW, Capability, EXTERNAL_TOKEN_PERMANENT, ExternalFunction, ExternalService,
    ExternalToken, LogstoreStandardLog, MNET_LOCALHOST_ID, SYSTEM_CONTEXT_ID, User, role_id,
};

/// The time every test runs at.
pub(crate) const NOW: i64 = 1_700_000_000;
/// A function of the mobile service.
pub(crate) const FUNCTION: &str = "core_webservice_get_site_info";
/// A registered function outside every service.
pub(crate) const OTHER_FUNCTION: &str = "core_user_create_users";
/// The password of every fixture user.
pub(crate) const PASSWORD: &str = "Passw0rd!x";

/// A password hash from the committed vectors (made by PHP): `scheme` of [`PASSWORD`].
pub(crate) fn vector_hash(scheme: &str) -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/password-hashes.json");
    let text = std::fs::read_to_string(&path).expect("the shared password vectors are readable");
    let vectors: serde_json::Value = serde_json::from_str(&text).expect("vectors are JSON");
    vectors
        .as_array()
        .expect("vectors are an array")
        .iter()
        .find(|v| v["scheme"] == scheme && v["password"] == PASSWORD && v.get("pepper").is_none())
        .and_then(|v| v["hash"].as_str())
        .expect("a vector of this scheme for the fixture password")
        .to_owned()
}

/// The client address of every request.
pub(crate) fn ip() -> IpAddr {
    "10.0.0.1".parse().expect("valid address")
}

/// A site as an administrator leaves it after enabling mobile services, with one student.
pub(crate) struct Site {
    pub(crate) store: Store,
    pub(crate) access: Arc<Access<StoreSource>>,
    pub(crate) student: User,
    pub(crate) mobile: ExternalService,
}

/// Sets `store` up: capabilities with the standard roles' defaults, web services and REST on,
/// the mobile service enabled with [`FUNCTION`], [`OTHER_FUNCTION`] registered, a student.
pub(crate) async fn site(store: Store) -> Site {
    for default in DEFAULT_CAPABILITIES {
        let capability = Capability {
            id: 0,
            name: default.name.to_owned(),
            captype: default.captype.to_owned(),
            contextlevel: default.contextlevel,
            component: default.component.to_owned(),
            riskbitmask: default.risks,
        };
        store.upsert_capability(&capability).await.expect("capability");
    }
    for (roleid, capability, permission) in default_role_capabilities() {
        store
            .set_role_capability(roleid, SYSTEM_CONTEXT_ID, capability, permission, 0)
            .await
            .expect("default permission");
    }
    store
        .set_role_capability(role_id::USER, SYSTEM_CONTEXT_ID, "webservice/rest:use", CAP_ALLOW, 0)
        .await
        .expect("rest:use");
    store.set_config("enablewebservices", "1").await.expect("config");
    store.set_config("webserviceprotocols", "rest,soap").await.expect("config");
    for name in [FUNCTION, OTHER_FUNCTION] {
        let function = ExternalFunction {
            id: 0,
            name: name.to_owned(),
            classname: format!("portico\\{name}"),
            methodname: "execute".to_owned(),
            classpath: None,
            component: "moodle".to_owned(),
            capabilities: None,
            services: None,
        };
        store.upsert_external_function(&function).await.expect("function");
    }
    let mobile = store
        .service_by_shortname("moodle_mobile_app")
        .await
        .expect("lookup")
        .expect("the migrations install the mobile service");
    store.set_service_enabled(mobile.id, true).await.expect("enable");
    store.add_service_function(mobile.id, FUNCTION).await.expect("add function");
    let mobile = store.service_by_id(mobile.id).await.expect("lookup").expect("exists");
    let student = user(&store, "student1", &vector_hash("sha512-crypt-10000")).await;
    let access = Arc::new(Access::new(StoreSource::new(store.clone())));
    Site { store, access, student, mobile }
}

/// A confirmed local user with the password hash `hash`.
pub(crate) async fn user(store: &Store, username: &str, hash: &str) -> User {
    let user = User {
        auth: "manual".to_owned(),
        confirmed: 1,
        mnethostid: MNET_LOCALHOST_ID,
        username: username.to_owned(),
        password: hash.to_owned(),
        firstname: username.to_owned(),
        lastname: "Tester".to_owned(),
        email: format!("{username}@example.com"),
        timezone: "99".to_owned(),
        ..User::default()
    };
    store.create_user(&user).await.expect("user")
}

/// An enabled custom service (no component) offering [`FUNCTION`].
pub(crate) async fn custom_service(store: &Store, shortname: &str) -> ExternalService {
    let service = ExternalService {
        id: 0,
        name: format!("Custom {shortname}"),
        enabled: 1,
        requiredcapability: None,
        restrictedusers: 0,
        component: None,
        timecreated: NOW,
        timemodified: None,
        shortname: Some(shortname.to_owned()),
        downloadfiles: 0,
        uploadfiles: 0,
    };
    let service = store.create_service(&service).await.expect("service");
    store.add_service_function(service.id, FUNCTION).await.expect("add function");
    service
}

/// A permanent token of `user` for `service` made `age` seconds before [`NOW`], changed by
/// `adjust`.
pub(crate) async fn token(
    store: &Store,
    user: &User,
    service: &ExternalService,
    value: &str,
    adjust: impl FnOnce(&mut ExternalToken),
) -> ExternalToken {
    let mut token = ExternalToken {
        id: 0,
        token: value.to_owned(),
        privatetoken: Some("P".repeat(64)),
        tokentype: EXTERNAL_TOKEN_PERMANENT,
        userid: user.id,
        externalserviceid: service.id,
        sid: None,
        contextid: SYSTEM_CONTEXT_ID,
        creatorid: user.id,
        iprestriction: None,
        validuntil: None,
        timecreated: NOW - 1000,
        lastaccess: None,
        name: Some("Webservice-abcde".to_owned()),
    };
    adjust(&mut token);
    store.create_token(&token).await.expect("token")
}

/// A REST call of `function` with `token` at [`NOW`].
pub(crate) async fn call(
    access: &Access<StoreSource>,
    token: &str,
    function: &str,
) -> Result<Caller, AccessError> {
    access.authorise_token_call(token, function, "rest", ip(), NOW).await
}

/// Asserts that `result` is Moodle's exception `errorcode` with `message` and `debuginfo`.
#[track_caller]
pub(crate) fn refused<T: std::fmt::Debug>(
    result: Result<T, AccessError>,
    errorcode: &str,
    message: &str,
    debuginfo: Option<&str>,
) {
    let exception = result.expect_err("the request is refused").exception();
    assert_eq!(exception.errorcode, errorcode);
    assert_eq!(exception.message, message);
    let actual =
        exception.debuginfo.as_ref().map(|d| String::from_utf8_lossy(d.as_ref()).into_owned());
    assert_eq!(actual.as_deref(), debuginfo);
}

/// The events logged so far, oldest first, once the event log has written them.
pub(crate) async fn events(site: &Site) -> Vec<LogstoreStandardLog> {
    site.access.events().flush().await;
    let mut events = site.store.recent_log(1000).await.expect("log");
    events.reverse();
    events
}

/// The events named `\core\event\<class>`.
pub(crate) async fn events_named(site: &Site, class: &str) -> Vec<LogstoreStandardLog> {
    let name = format!("\\core\\event\\{class}");
    events(site).await.into_iter().filter(|e| e.eventname == name).collect()
}

/// Spawns the change-feed watcher of `access` and waits until it is subscribed.
pub(crate) async fn watch(access: &Arc<Access<StoreSource>>) {
    tokio::spawn(watch_changes(access.clone()));
    // The watcher forgets everything once subscribed; give it a moment to subscribe.
    tokio::time::sleep(Duration::from_millis(300)).await;
}
