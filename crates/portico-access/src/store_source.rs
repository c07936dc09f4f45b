//! The [`Source`] of a real site: Portico's store, and the change feed that keeps the cache true.
//!
//! Every read here is a cache miss of [`Access`]; a warm call reads nothing. [`watch_changes`]
//! turns the store's change feed (PostgreSQL `NOTIFY`, or SQLite polling that also sees other
//! processes such as the CLI) into cache invalidations, so a revoked token or a suspended user is
//! refused on every node within a second.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use portico_store::model::{CONTEXT_COURSE, ExternalToken, LogstoreStandardLog, SITEID};
use portico_store::{ChangeKind, Store, StoreError};

use crate::cache::{Access, Invalidation, Settings, Source};
use crate::capability::{CapabilityInfo, RoleSnapshot, SiteRoles, parse_path};
use crate::decision::{AccessError, Effects, ServiceEntry, SiteConfig, UserFacts};
use crate::events::EventLog;
use crate::password::PasswordPolicy;

/// Lock-out and `lastaccess` bookkeeping interval of token calls (spec 02 §9), seconds.
const TOKEN_LASTACCESS_UPDATE_SECS: i64 = 60;

impl From<StoreError> for AccessError {
    fn from(error: StoreError) -> AccessError {
        AccessError::Store(error.to_string())
    }
}

/// Access decisions read from a [`Store`], events written through an [`EventLog`].
#[derive(Clone)]
pub struct StoreSource {
    store: Store,
    events: EventLog,
    passwords: PasswordPolicy,
}

impl StoreSource {
    /// A source reading `store`, with its own event log (started on first use) and no password
    /// peppers.
    pub fn new(store: Store) -> StoreSource {
        let events = EventLog::new(store.clone());
        StoreSource { store, events, passwords: PasswordPolicy::default() }
    }

    /// The same source writing events to `events` (to share one log with the protocol layer).
    pub fn with_events(self, events: EventLog) -> StoreSource {
        StoreSource { events, ..self }
    }

    /// The same source verifying and writing passwords with `passwords` (the peppers and legacy
    /// salts of the site's `config.php`).
    pub fn with_password_policy(self, passwords: PasswordPolicy) -> StoreSource {
        StoreSource { passwords, ..self }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The event log.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The password policy.
    pub fn password_policy(&self) -> &PasswordPolicy {
        &self.passwords
    }

    async fn config(&self) -> Result<HashMap<String, String>, AccessError> {
        Ok(self.store.list_config().await?.into_iter().map(|row| (row.name, row.value)).collect())
    }
}

/// Moodle's truthiness of a stored setting: empty and `0` are off.
fn flag(config: &HashMap<String, String>, name: &str) -> bool {
    config.get(name).is_some_and(|value| !value.is_empty() && value != "0")
}

fn number(config: &HashMap<String, String>, name: &str, default: i64) -> i64 {
    config.get(name).and_then(|value| value.trim().parse().ok()).unwrap_or(default)
}

fn list(config: &HashMap<String, String>, name: &str) -> Vec<String> {
    config
        .get(name)
        .map(|value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl Source for StoreSource {
    async fn site_config(&self) -> Result<SiteConfig, AccessError> {
        let config = self.config().await?;
        let defaults = SiteConfig::default();
        Ok(SiteConfig {
            enablewebservices: flag(&config, "enablewebservices"),
            webserviceprotocols: list(&config, "webserviceprotocols"),
            maintenance_enabled: flag(&config, "maintenance_enabled"),
            tokenduration: number(&config, "tokenduration", defaults.tokenduration),
            lockoutthreshold: number(&config, "lockoutthreshold", defaults.lockoutthreshold),
            lockoutwindow: number(&config, "lockoutwindow", defaults.lockoutwindow),
            lockoutduration: number(&config, "lockoutduration", defaults.lockoutduration),
            enabled_auths: list(&config, "auth"),
            authloginviaemail: flag(&config, "authloginviaemail"),
            extendedusernamechars: flag(&config, "extendedusernamechars"),
            mnet_localhost_id: number(&config, "mnet_localhost_id", defaults.mnet_localhost_id),
        })
    }

    async fn role_snapshot(&self) -> Result<RoleSnapshot, AccessError> {
        let config = self.config().await?;
        let defaults = SiteRoles::default();
        let frontpagecontextid =
            match self.store.context_by_instance(CONTEXT_COURSE, SITEID).await? {
                Some(context) => context.id,
                None => defaults.frontpagecontextid,
            };
        let site = SiteRoles {
            siteadmins: list(&config, "siteadmins")
                .iter()
                .filter_map(|id| id.parse().ok())
                .collect(),
            siteguest: number(&config, "siteguest", defaults.siteguest),
            notloggedinroleid: number(&config, "notloggedinroleid", defaults.notloggedinroleid),
            guestroleid: number(&config, "guestroleid", defaults.guestroleid),
            defaultuserroleid: number(&config, "defaultuserroleid", defaults.defaultuserroleid),
            defaultfrontpageroleid: number(
                &config,
                "defaultfrontpageroleid",
                defaults.defaultfrontpageroleid,
            ),
            frontpagecontextid,
            forcelogin: flag(&config, "forcelogin"),
            contextlocking: flag(&config, "contextlocking"),
            contextlockappliestoadmin: config
                .get("contextlockappliestoadmin")
                .is_none_or(|value| value != "0"),
        };
        let mut snapshot = RoleSnapshot { site, ..RoleSnapshot::default() };
        for capability in self.store.list_capabilities().await? {
            let info = CapabilityInfo {
                write: capability.captype == "write",
                riskbitmask: capability.riskbitmask,
            };
            snapshot.capabilities.insert(capability.name, info);
        }
        for role in self.store.list_roles().await? {
            for row in self.store.role_capabilities_of_role(role.id).await? {
                snapshot.set(row.roleid, row.contextid, &row.capability, row.permission);
            }
        }
        Ok(snapshot)
    }

    async fn token(&self, value: &str) -> Result<Option<ExternalToken>, AccessError> {
        Ok(self.store.token_by_value(value).await?)
    }

    async fn user(&self, id: i64) -> Result<Option<UserFacts>, AccessError> {
        let Some(user) = self.store.user_by_id(id).await? else { return Ok(None) };
        let assignments = self
            .store
            .role_assignments_of_user(id)
            .await?
            .into_iter()
            .map(|row| (row.roleid, row.contextid))
            .collect();
        // FIXME(#3): password expiry of the manual authentication plugin (`auth_manual`
        // `expiration` settings) is not read yet; no Portico site enables it.
        Ok(Some(UserFacts { user, assignments, password_expired: false }))
    }

    async fn service(&self, id: i64) -> Result<Option<ServiceEntry>, AccessError> {
        let Some(service) = self.store.service_by_id(id).await? else { return Ok(None) };
        let functions: HashSet<String> = self
            .store
            .service_functions(id)
            .await?
            .into_iter()
            .map(|row| row.functionname)
            .collect();
        let users =
            self.store.service_users(id).await?.into_iter().map(|row| (row.userid, row)).collect();
        Ok(Some(ServiceEntry { service, functions, users }))
    }

    async fn function_names(&self) -> Result<Vec<String>, AccessError> {
        Ok(self.store.list_external_functions().await?.into_iter().map(|row| row.name).collect())
    }

    async fn context_path(&self, contextid: i64) -> Result<Vec<i64>, AccessError> {
        let context = self.store.context_by_id(contextid).await?;
        Ok(context.and_then(|context| parse_path(context.path.as_deref()?)).unwrap_or_default())
    }

    async fn settings(&self) -> Result<Settings, AccessError> {
        let plugins = self
            .store
            .list_all_plugin_config()
            .await?
            .into_iter()
            .map(|row| ((row.plugin, row.name), row.value))
            .collect();
        let site_name = match self.store.site_name().await {
            Ok(name) => name,
            Err(StoreError::NotFound { .. }) => String::new(),
            Err(error) => return Err(error.into()),
        };
        Ok(Settings { config: self.config().await?, plugins, site_name })
    }

    async fn context_id(&self, level: i64, instance: i64) -> Result<Option<i64>, AccessError> {
        Ok(self.store.context_by_instance(level, instance).await?.map(|context| context.id))
    }

    async fn session_exists(&self, sid: &str) -> Result<bool, AccessError> {
        Ok(self.store.session_by_sid(sid).await?.is_some())
    }

    async fn apply(
        &self,
        effects: &Effects,
        now: i64,
        log: Option<LogstoreStandardLog>,
    ) -> Result<(), AccessError> {
        if let Some(id) = effects.delete_token {
            self.store.delete_token(id).await?;
        }
        if let Some(sid) = &effects.delete_session_tokens {
            self.store.delete_tokens_of_session(sid).await?;
        }
        if let Some(id) = effects.touch_token {
            self.store.touch_token(id, now, TOKEN_LASTACCESS_UPDATE_SECS).await?;
        }
        // The audit event goes through the event log: the call does not wait for its insert.
        if let Some(event) = log {
            self.events.record(event);
        }
        Ok(())
    }
}

/// The cache entries a change can make stale.
pub fn invalidation_for(kind: ChangeKind, key: &str) -> Invalidation {
    let id = |text: &str| text.parse::<i64>().ok();
    let invalidation = match kind {
        ChangeKind::Token => id(key).map(Invalidation::Token),
        ChangeKind::User | ChangeKind::RoleAssignment => id(key).map(Invalidation::User),
        ChangeKind::Service => id(key).map(Invalidation::Service),
        ChangeKind::ServiceUser => key.split(':').next().and_then(id).map(Invalidation::Service),
        ChangeKind::Config | ChangeKind::Role | ChangeKind::Function | ChangeKind::Context => {
            Some(Invalidation::Site)
        }
        ChangeKind::Resync => Some(Invalidation::All),
    };
    // A key the feed could not parse may name anything: forget everything rather than serve a
    // stale decision.
    invalidation.unwrap_or(Invalidation::All)
}

/// Applies the store's change feed to `access` until the store closes; returns when the feed
/// ends. Spawn it next to the server.
pub async fn watch_changes(access: Arc<Access<StoreSource>>) -> Result<(), AccessError> {
    let mut changes = access.source().store().changes().await?;
    // Changes made between opening the cache and subscribing would be missed: start clean.
    access.invalidate(&Invalidation::All);
    while let Some(change) = changes.recv().await {
        access.invalidate(&invalidation_for(change.kind, &change.key));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_map_to_the_entries_they_affect() {
        assert_eq!(invalidation_for(ChangeKind::Token, "12"), Invalidation::Token(12));
        assert_eq!(invalidation_for(ChangeKind::RoleAssignment, "5"), Invalidation::User(5));
        assert_eq!(invalidation_for(ChangeKind::ServiceUser, "3:9"), Invalidation::Service(3));
        assert_eq!(invalidation_for(ChangeKind::Config, "enablewebservices"), Invalidation::Site);
        assert_eq!(invalidation_for(ChangeKind::Resync, ""), Invalidation::All);
        assert_eq!(invalidation_for(ChangeKind::Token, "garbage"), Invalidation::All);
    }
}
