//! First-run install on both databases: what a fresh site holds.

use portico_access::password::{PasswordPolicy, verify_password};
use portico_engine::install::{
    InstallOptions, MOBILE_SERVICE, install, is_installed, sync_functions,
};
use portico_engine::{CallContext, CallError, CallKind, ExternalFunction, Registry};
use portico_macros::Describe;
use portico_schema::Valid;
use portico_store::Store;
use portico_store::model::SYSTEM_CONTEXT_ID;
use portico_testkit::backend_test;

/// Arguments of nothing.
#[derive(Debug, Describe)]
struct NoArgs {}

/// A function of the mobile service.
struct MobileThing;

impl ExternalFunction for MobileThing {
    const NAME: &'static str = "local_test_mobile_thing";
    const COMPONENT: &'static str = "local_test";
    const DESCRIPTION: &'static str = "A function of the mobile service.";
    const KIND: CallKind = CallKind::Read;
    const SERVICES: &'static [&'static str] = &[MOBILE_SERVICE];
    type Args = NoArgs;
    type Returns = ();

    async fn execute(_: &CallContext, _: Valid<NoArgs>) -> Result<(), CallError> {
        Ok(())
    }
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.add::<MobileThing>();
    registry
}

fn options() -> InstallOptions {
    InstallOptions {
        admin_username: "admin".into(),
        admin_password: "Adm1n!pass".into(),
        admin_email: "admin@example.com".into(),
    }
}

backend_test!(install_sets_up_a_working_site, |store: Store| async move {
    assert!(!is_installed(&store).await.unwrap());
    let admin = install(&store, &registry(), &options()).await.unwrap();
    assert!(is_installed(&store).await.unwrap());

    let stored = store.user_by_id(admin.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.username.as_str(), stored.auth.as_str(), stored.confirmed),
        ("admin", "manual", 1)
    );
    assert!(stored.password.starts_with("$6$rounds=10000$"));
    assert!(verify_password("Adm1n!pass", &stored.password, &PasswordPolicy::default()).is_some());
    assert_eq!(store.get_config("siteadmins").await.unwrap(), Some(admin.id.to_string()));

    assert_eq!(store.get_config("enablewebservices").await.unwrap().as_deref(), Some("1"));
    assert_eq!(store.get_config("webserviceprotocols").await.unwrap().as_deref(), Some("rest"));
    let mobile = store.service_by_shortname(MOBILE_SERVICE).await.unwrap().unwrap();
    assert_eq!(mobile.enabled, 1);
    let functions: Vec<_> = store
        .service_functions(mobile.id)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.functionname)
        .collect();
    assert_eq!(functions, ["local_test_mobile_thing"]);

    let granted = store.role_capabilities_in_context(SYSTEM_CONTEXT_ID).await.unwrap();
    assert!(granted.iter().any(|row| row.roleid == 7 && row.capability == "webservice/rest:use"));
    assert!(granted.iter().any(|row| row.roleid == 1 && row.capability == "moodle/user:create"));

    // Syncing again (every start) changes nothing.
    sync_functions(&store, &registry()).await.unwrap();
    assert_eq!(store.service_functions(mobile.id).await.unwrap().len(), 1);
});
