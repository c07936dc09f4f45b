//! Setting a site up: first-run install and the function list kept in step with the code.
//!
//! The schema and Moodle's install data (system context, standard roles, guest user, the
//! disabled mobile service, default settings) come from `portico-store`'s migrations. On top of
//! that, [`install`] does what Moodle's installer and its "enable mobile services" switch do:
//! capability definitions with the standard roles' default permissions, web services and the
//! REST protocol on, the mobile service enabled, and a first administrator. [`sync_functions`]
//! runs at every start: it records this build's functions in `external_functions` and adds each
//! to the built-in services its declaration names (spec 03 §8.1).

use std::time::{SystemTime, UNIX_EPOCH};

use portico_access::capability::{DEFAULT_CAPABILITIES, default_role_capabilities};
use portico_access::password::{PasswordPolicy, hash_password};
use portico_schema::Exception;
use portico_store::model::{
    CAP_ALLOW, Capability, ExternalFunction, MNET_LOCALHOST_ID, SYSTEM_CONTEXT_ID, User,
};
use portico_store::{Store, StoreError};

use crate::error::CallError;
use crate::registry::Registry;

/// The Moodle version Portico reports by default (`version`, spec README decision 1): 4.5.
pub const DEFAULT_VERSION: &str = "2024100700";
/// The release text matching [`DEFAULT_VERSION`].
pub const DEFAULT_RELEASE: &str = "4.5 (Build: 20241007)";
/// The built-in mobile service's short name (`MOODLE_OFFICIAL_MOBILE_SERVICE`).
pub const MOBILE_SERVICE: &str = "moodle_mobile_app";

/// What the first run needs to know.
#[derive(Clone, Debug)]
pub struct InstallOptions {
    /// The administrator's username.
    pub admin_username: String,
    /// The administrator's password (hashed before it is stored).
    pub admin_password: String,
    /// The administrator's e-mail address.
    pub admin_email: String,
}

/// Current Unix time.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Whether the site was installed: Moodle records `version` at install.
pub async fn is_installed(store: &Store) -> Result<bool, StoreError> {
    Ok(store.get_config("version").await?.is_some())
}

/// A local (manual authentication) user as Moodle's `create_user_record` makes one, with
/// Moodle's column defaults; `password` is already hashed.
pub fn new_local_user(
    username: &str,
    password: String,
    firstname: &str,
    lastname: &str,
    email: &str,
) -> User {
    let time = now();
    User {
        auth: "manual".to_owned(),
        confirmed: 1,
        mnethostid: MNET_LOCALHOST_ID,
        username: username.to_owned(),
        password,
        firstname: firstname.to_owned(),
        lastname: lastname.to_owned(),
        email: email.to_owned(),
        lang: "en".to_owned(),
        calendartype: "gregorian".to_owned(),
        timezone: "99".to_owned(),
        mailformat: 1,
        maildisplay: 2,
        autosubscribe: 1,
        trackforums: 0,
        timecreated: time,
        timemodified: time,
        ..User::default()
    }
}

/// Hashes a password as the site stores new ones (SHA-512 crypt, spec issue #3).
pub fn hash_new_password(password: &str) -> Result<String, CallError> {
    hash_password(password, &PasswordPolicy::default()).map_err(|error| {
        Exception::moodle("errorpasswordupdate", "moodle", format!("Password not updated: {error}"))
            .into()
    })
}

/// The first-run setup of an empty, migrated database; returns the administrator.
pub async fn install(
    store: &Store,
    registry: &Registry,
    options: &InstallOptions,
) -> Result<User, CallError> {
    seed_capabilities(store).await?;
    sync_functions(store, registry).await?;
    let hash = hash_new_password(&options.admin_password)?;
    let admin = store
        .create_user(&new_local_user(
            &options.admin_username,
            hash,
            "Admin",
            "User",
            &options.admin_email,
        ))
        .await?;
    store.set_config("siteadmins", &admin.id.to_string()).await?;
    enable_mobile_services(store).await?;
    // Moodle installs its debugging settings switched off.
    for (name, value) in [("debug", "0"), ("debugdisplay", "0")] {
        if store.get_config(name).await?.is_none() {
            store.set_config(name, value).await?;
        }
    }
    store.set_config("release", DEFAULT_RELEASE).await?;
    // Written last: its presence marks the site as installed.
    store.set_config("version", DEFAULT_VERSION).await?;
    Ok(admin)
}

/// Moodle's capability definitions and the standard roles' default permissions (spec 05 §4).
pub async fn seed_capabilities(store: &Store) -> Result<(), StoreError> {
    for default in DEFAULT_CAPABILITIES {
        let capability = Capability {
            id: 0,
            name: default.name.to_owned(),
            captype: default.captype.to_owned(),
            contextlevel: default.contextlevel,
            component: default.component.to_owned(),
            riskbitmask: default.risks,
        };
        store.upsert_capability(&capability).await?;
    }
    for (roleid, capability, permission) in default_role_capabilities() {
        store.set_role_capability(roleid, SYSTEM_CONTEXT_ID, capability, permission, 0).await?;
    }
    Ok(())
}

/// The "enable mobile services" switch (spec 02 §12): web services and REST on, the mobile
/// service enabled, `webservice/rest:use` granted to the authenticated-user role.
pub async fn enable_mobile_services(store: &Store) -> Result<(), StoreError> {
    store.set_config("enablewebservices", "1").await?;
    let protocols = store.get_config("webserviceprotocols").await?.unwrap_or_default();
    let mut list: Vec<&str> =
        protocols.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if !list.contains(&"rest") {
        list.push("rest");
    }
    store.set_config("webserviceprotocols", &list.join(",")).await?;
    if let Some(service) = store.service_by_shortname(MOBILE_SERVICE).await? {
        store.set_service_enabled(service.id, true).await?;
    }
    let userrole =
        store.get_config("defaultuserroleid").await?.and_then(|id| id.parse().ok()).unwrap_or(7);
    store
        .set_role_capability(userrole, SYSTEM_CONTEXT_ID, "webservice/rest:use", CAP_ALLOW, 0)
        .await?;
    store.set_config("enablemobilewebservice", "1").await?;
    Ok(())
}

/// Records every registered function in `external_functions` and adds it to the built-in
/// services its declaration names.
pub async fn sync_functions(store: &Store, registry: &Registry) -> Result<(), StoreError> {
    let services = store.list_services().await?;
    for function in registry.iter() {
        let info = function.info();
        let row = ExternalFunction {
            id: 0,
            name: info.name.to_string(),
            classname: format!("portico\\{}", info.name),
            methodname: "execute".to_owned(),
            classpath: None,
            component: info.component.to_string(),
            capabilities: Some(info.capabilities.join(",")),
            services: (!info.services.is_empty()).then(|| {
                let mut names: Vec<&str> = info.services.iter().map(AsRef::as_ref).collect();
                names.sort_unstable();
                names.join(",")
            }),
        };
        store.upsert_external_function(&row).await?;
        for shortname in &info.services {
            // Only services declared by a component are extended (spec 03 §8.1).
            let built_in = services.iter().find(|service| {
                service.component.is_some() && service.shortname.as_deref() == Some(shortname)
            });
            if let Some(service) = built_in {
                store.add_service_function(service.id, &info.name).await?;
            }
        }
    }
    Ok(())
}
