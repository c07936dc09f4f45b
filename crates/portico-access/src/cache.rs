//! [`Access`]: the entry point the server calls, with an in-memory cache of what a call needs.
//!
//! A warm token call reads the token row, the user's state and role assignments, the service with
//! its functions and authorised users, the role snapshot and the site settings from memory: no
//! database round-trip on the decision path. Writes the decision asks for ([`Effects`]) go to the
//! [`Source`]; the throttled `lastaccess` touch happens at most once a minute per token.
//!
//! The cache is invalidated by [`Access::invalidate`], which the server feeds from the store's
//! change feed (`Store::changes()`, itself fed by PostgreSQL notifications when several nodes
//! share one database), so revoking a token or suspending a user takes effect on every node as
//! soon as the change arrives. An unknown token is never cached, so a newly created token works at
//! once.
//!
//! The database behind the cache is reached only through the [`Source`] trait, implemented for
//! `portico_store::Store`; tests use an in-memory source.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use portico_store::model::{ExternalToken, LogstoreStandardLog};

use crate::capability::{ContextChain, RoleSnapshot, Subject, has_capability};
use crate::decision::{
    AccessError, CallFacts, Caller, Effects, ServiceEntry, SiteConfig, TokenCall, UserFacts,
    decide_token_call,
};

/// What [`Access`] reads from and writes to the database.
pub trait Source: Send + Sync + 'static {
    /// Site settings.
    fn site_config(&self) -> impl Future<Output = Result<SiteConfig, AccessError>> + Send;
    /// Role definitions, overrides and site role settings.
    fn role_snapshot(&self) -> impl Future<Output = Result<RoleSnapshot, AccessError>> + Send;
    /// The permanent token with this value.
    fn token(
        &self,
        value: &str,
    ) -> impl Future<Output = Result<Option<ExternalToken>, AccessError>> + Send;
    /// A user with role assignments and password state.
    fn user(&self, id: i64) -> impl Future<Output = Result<Option<UserFacts>, AccessError>> + Send;
    /// A service with its functions and authorised users.
    fn service(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<ServiceEntry>, AccessError>> + Send;
    /// Names of all registered functions.
    fn function_names(&self) -> impl Future<Output = Result<Vec<String>, AccessError>> + Send;
    /// Context ids from the system context to `contextid`; empty when it does not exist.
    fn context_path(
        &self,
        contextid: i64,
    ) -> impl Future<Output = Result<Vec<i64>, AccessError>> + Send;
    /// Whether a browser session exists.
    fn session_exists(&self, sid: &str) -> impl Future<Output = Result<bool, AccessError>> + Send;
    /// Every site and plugin setting, and the site name.
    fn settings(&self) -> impl Future<Output = Result<Settings, AccessError>> + Send;
    /// The id of the context of `instance` at `level`, if it exists.
    fn context_id(
        &self,
        level: i64,
        instance: i64,
    ) -> impl Future<Output = Result<Option<i64>, AccessError>> + Send;
    /// Applies the side effects of a decision.
    fn apply(
        &self,
        effects: &Effects,
        now: i64,
        log: Option<LogstoreStandardLog>,
    ) -> impl Future<Output = Result<(), AccessError>> + Send;
}

/// A snapshot of the site's settings as functions read them: `config`, `config_plugins` and
/// the site name (the site course's full name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `config`: name → value.
    pub config: HashMap<String, String>,
    /// `config_plugins`: (plugin, name) → value.
    pub plugins: HashMap<(String, String), String>,
    /// The site's full name.
    pub site_name: String,
}

impl Settings {
    /// The setting `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.config.get(name).map(String::as_str)
    }

    /// The plugin setting `plugin`/`name`, if set.
    pub fn plugin(&self, plugin: &str, name: &str) -> Option<&str> {
        self.plugins.get(&(plugin.to_owned(), name.to_owned())).map(String::as_str)
    }
}

/// A change that may affect access decisions, as the change feed reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalidation {
    /// A token changed or was deleted (by id).
    Token(i64),
    /// A user changed (by id): suspension, deletion, password, role assignments.
    User(i64),
    /// A service, its functions or its authorised users changed (by id).
    Service(i64),
    /// Site settings, roles, capabilities, contexts or functions changed.
    Site,
    /// Changes may have been missed: forget everything.
    All,
}

#[derive(Default)]
struct Cached {
    site: Option<Arc<SiteConfig>>,
    roles: Option<Arc<RoleSnapshot>>,
    functions: Option<Arc<Vec<String>>>,
    tokens: HashMap<String, ExternalToken>,
    users: HashMap<i64, Arc<UserFacts>>,
    services: HashMap<i64, Arc<ServiceEntry>>,
    paths: HashMap<i64, Arc<Vec<i64>>>,
    settings: Option<Arc<Settings>>,
    context_ids: HashMap<(i64, i64), i64>,
}

/// Allow or deny, for the server: token calls, capability checks, cache invalidation.
pub struct Access<S: Source> {
    source: S,
    cached: RwLock<Cached>,
}

impl<S: Source> Access<S> {
    /// An access checker over `source` with an empty cache.
    pub fn new(source: S) -> Access<S> {
        Access { source, cached: RwLock::new(Cached::default()) }
    }

    /// The source behind the cache.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Decides a token call (spec 02 §3, steps 0b to 17) and applies its side effects.
    pub async fn authorise_token_call(
        &self,
        token: &str,
        function: &str,
        protocol: &str,
        client_ip: IpAddr,
        now: i64,
    ) -> Result<Caller, AccessError> {
        let site = self.site_config().await?;
        let roles = self.roles().await?;
        let token_row = self.token(token).await?;
        let (mut user, mut service, mut path, mut session_exists) = (None, None, None, true);
        if let Some(row) = &token_row {
            user = self.user(row.userid).await?;
            service = self.service(row.externalserviceid).await?;
            path = Some(self.path(row.contextid).await?);
            if let Some(sid) = row.sid.as_deref().filter(|sid| !sid.is_empty()) {
                session_exists = self.source.session_exists(sid).await?;
            }
        }
        let functions = self.functions().await?;
        let call = TokenCall { token, function, protocol, client_ip, now };
        let facts = CallFacts {
            site: &site,
            roles: &roles,
            token: token_row.as_ref(),
            session_exists,
            user: user.as_deref(),
            context_path: path.as_deref().map_or(&[], |p| p.as_slice()),
            function_registered: functions.iter().any(|f| f == function),
            service: service.as_deref(),
        };
        let decision = decide_token_call(call, facts);
        if decision.effects != Effects::default() {
            let log = decision
                .effects
                .login_failed
                .as_ref()
                .map(|event| crate::events::webservice_login_failed(event, now, client_ip));
            self.source.apply(&decision.effects, now, log).await?;
            let mut cached = self.write();
            if let Some(id) = decision.effects.touch_token {
                for row in cached.tokens.values_mut().filter(|t| t.id == id) {
                    row.lastaccess = Some(now);
                }
            }
            if decision.effects.delete_token.is_some()
                || decision.effects.delete_session_tokens.is_some()
            {
                cached.tokens.remove(token);
            }
        }
        decision.outcome
    }

    /// Moodle's `has_capability` for `userid` in the context `contextid`.
    pub async fn has_capability(
        &self,
        userid: i64,
        capability: &str,
        contextid: i64,
    ) -> Result<bool, AccessError> {
        let roles = self.roles().await?;
        let path = self.path(contextid).await?;
        let subject = match self.user(userid).await? {
            Some(user) => Subject {
                userid,
                deleted: user.user.deleted != 0,
                assignments: user.assignments.clone(),
            },
            None => Subject { userid, ..Subject::default() },
        };
        Ok(has_capability(
            &roles,
            &subject,
            capability,
            ContextChain { path: &path, locked: false },
        ))
    }

    /// Forgets what `invalidation` may have made stale.
    pub fn invalidate(&self, invalidation: &Invalidation) {
        let mut cached = self.write();
        match invalidation {
            Invalidation::Token(id) => cached.tokens.retain(|_, token| token.id != *id),
            Invalidation::User(id) => {
                cached.users.remove(id);
                cached.tokens.retain(|_, token| token.userid != *id);
            }
            Invalidation::Service(id) => {
                cached.services.remove(id);
            }
            Invalidation::Site => {
                cached.site = None;
                cached.roles = None;
                cached.functions = None;
                cached.paths.clear();
                cached.settings = None;
                cached.context_ids.clear();
            }
            Invalidation::All => *cached = Cached::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        // A poisoned lock only means another thread panicked while holding it; the cache holds
        // plain copies of database rows, so its content is still usable.
        self.cached.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Cached> {
        self.cached.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The site settings access decisions read, cached until a setting changes. The protocol
    /// layer reads `enablewebservices` here before anything else of `login/token.php`.
    pub async fn site_config(&self) -> Result<Arc<SiteConfig>, AccessError> {
        if let Some(site) = self.read().site.clone() {
            return Ok(site);
        }
        let site = Arc::new(self.source.site_config().await?);
        self.write().site = Some(site.clone());
        Ok(site)
    }

    pub(crate) async fn roles(&self) -> Result<Arc<RoleSnapshot>, AccessError> {
        if let Some(roles) = self.read().roles.clone() {
            return Ok(roles);
        }
        let roles = Arc::new(self.source.role_snapshot().await?);
        self.write().roles = Some(roles.clone());
        Ok(roles)
    }

    pub(crate) async fn functions(&self) -> Result<Arc<Vec<String>>, AccessError> {
        if let Some(functions) = self.read().functions.clone() {
            return Ok(functions);
        }
        let functions = Arc::new(self.source.function_names().await?);
        self.write().functions = Some(functions.clone());
        Ok(functions)
    }

    pub(crate) async fn token(&self, value: &str) -> Result<Option<ExternalToken>, AccessError> {
        if let Some(token) = self.read().tokens.get(value).cloned() {
            return Ok(Some(token));
        }
        let token = self.source.token(value).await?;
        if let Some(token) = &token {
            self.write().tokens.insert(value.to_owned(), token.clone());
        }
        Ok(token)
    }

    /// Every site and plugin setting, from the cache.
    pub async fn settings(&self) -> Result<Arc<Settings>, AccessError> {
        if let Some(settings) = self.read().settings.clone() {
            return Ok(settings);
        }
        let settings = Arc::new(self.source.settings().await?);
        self.write().settings = Some(settings.clone());
        Ok(settings)
    }

    /// The id of the context of `instance` at `level`, from the cache.
    pub async fn context_id(&self, level: i64, instance: i64) -> Result<Option<i64>, AccessError> {
        if let Some(id) = self.read().context_ids.get(&(level, instance)).copied() {
            return Ok(Some(id));
        }
        let id = self.source.context_id(level, instance).await?;
        if let Some(id) = id {
            self.write().context_ids.insert((level, instance), id);
        }
        Ok(id)
    }

    /// A user with role assignments, from the cache.
    pub async fn user(&self, id: i64) -> Result<Option<Arc<UserFacts>>, AccessError> {
        if let Some(user) = self.read().users.get(&id).cloned() {
            return Ok(Some(user));
        }
        let Some(user) = self.source.user(id).await? else { return Ok(None) };
        let user = Arc::new(user);
        self.write().users.insert(id, user.clone());
        Ok(Some(user))
    }

    /// A service with its functions and authorised users, from the cache.
    pub async fn service(&self, id: i64) -> Result<Option<Arc<ServiceEntry>>, AccessError> {
        if let Some(service) = self.read().services.get(&id).cloned() {
            return Ok(Some(service));
        }
        let Some(service) = self.source.service(id).await? else { return Ok(None) };
        let service = Arc::new(service);
        self.write().services.insert(id, service.clone());
        Ok(Some(service))
    }

    pub(crate) async fn path(&self, contextid: i64) -> Result<Arc<Vec<i64>>, AccessError> {
        if let Some(path) = self.read().paths.get(&contextid).cloned() {
            return Ok(path);
        }
        let path = Arc::new(self.source.context_path(contextid).await?);
        if !path.is_empty() {
            self.write().paths.insert(contextid, path.clone());
        }
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use portico_store::model::{CAP_ALLOW, ExternalService, User, role_id};

    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[derive(Default)]
    struct Memory {
        loads: AtomicUsize,
        tokens: Mutex<Vec<ExternalToken>>,
        suspended: Mutex<bool>,
        applied: Mutex<Vec<Effects>>,
    }

    impl Memory {
        fn load(&self) {
            self.loads.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Source for Arc<Memory> {
        async fn settings(&self) -> Result<Settings, AccessError> {
            self.load();
            Ok(Settings::default())
        }
        async fn context_id(&self, _: i64, instance: i64) -> Result<Option<i64>, AccessError> {
            self.load();
            Ok(Some(instance + 100))
        }
        async fn site_config(&self) -> Result<SiteConfig, AccessError> {
            self.load();
            Ok(SiteConfig {
                enablewebservices: true,
                webserviceprotocols: vec!["rest".into()],
                ..SiteConfig::default()
            })
        }
        async fn role_snapshot(&self) -> Result<RoleSnapshot, AccessError> {
            self.load();
            let mut roles = RoleSnapshot::with_defaults();
            roles.set(role_id::USER, 1, "webservice/rest:use", CAP_ALLOW);
            Ok(roles)
        }
        async fn token(&self, value: &str) -> Result<Option<ExternalToken>, AccessError> {
            self.load();
            let tokens = self.tokens.lock().expect("test lock");
            Ok(tokens.iter().find(|t| t.token == value).cloned())
        }
        async fn user(&self, id: i64) -> Result<Option<UserFacts>, AccessError> {
            self.load();
            let suspended = i64::from(*self.suspended.lock().expect("test lock"));
            let user = User {
                id,
                auth: "manual".into(),
                confirmed: 1,
                suspended,
                username: "anne".into(),
                ..User::default()
            };
            Ok(Some(UserFacts { user, assignments: vec![], password_expired: false }))
        }
        async fn service(&self, id: i64) -> Result<Option<ServiceEntry>, AccessError> {
            self.load();
            let service = ExternalService {
                id,
                name: "s".into(),
                enabled: 1,
                requiredcapability: None,
                restrictedusers: 0,
                component: None,
                timecreated: 0,
                timemodified: None,
                shortname: Some("s".into()),
                downloadfiles: 0,
                uploadfiles: 0,
            };
            let functions = ["core_webservice_get_site_info".to_owned()].into();
            Ok(Some(ServiceEntry { service, functions, users: HashMap::new() }))
        }
        async fn function_names(&self) -> Result<Vec<String>, AccessError> {
            self.load();
            Ok(vec!["core_webservice_get_site_info".into()])
        }
        async fn context_path(&self, contextid: i64) -> Result<Vec<i64>, AccessError> {
            self.load();
            Ok(if contextid == 1 { vec![1] } else { vec![] })
        }
        async fn session_exists(&self, _sid: &str) -> Result<bool, AccessError> {
            self.load();
            Ok(true)
        }
        async fn apply(
            &self,
            effects: &Effects,
            _now: i64,
            _log: Option<LogstoreStandardLog>,
        ) -> Result<(), AccessError> {
            self.applied.lock().expect("test lock").push(effects.clone());
            Ok(())
        }
    }

    fn token() -> ExternalToken {
        ExternalToken {
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
            validuntil: None,
            timecreated: 0,
            lastaccess: None,
            name: None,
        }
    }

    async fn call(access: &Access<Arc<Memory>>, now: i64) -> Result<Caller, AccessError> {
        let ip = "10.0.0.1".parse().expect("valid");
        access.authorise_token_call(TOKEN, "core_webservice_get_site_info", "rest", ip, now).await
    }

    #[tokio::test]
    async fn a_warm_call_reads_nothing_and_invalidation_takes_effect() {
        let memory = Arc::new(Memory::default());
        memory.tokens.lock().expect("test lock").push(token());
        let access = Access::new(memory.clone());
        assert!(call(&access, 1000).await.is_ok());
        let cold = memory.loads.load(Ordering::SeqCst);
        assert!(cold > 0);
        assert!(call(&access, 1001).await.is_ok());
        assert_eq!(memory.loads.load(Ordering::SeqCst), cold, "a warm call must not load");
        // The first call touched lastaccess; the second, within a minute, did not.
        assert_eq!(memory.applied.lock().expect("test lock").len(), 1);

        *memory.suspended.lock().expect("test lock") = true;
        assert!(call(&access, 1002).await.is_ok(), "still cached");
        access.invalidate(&Invalidation::User(10));
        let error = call(&access, 1003).await.expect_err("suspended");
        assert_eq!(error.exception().errorcode, "wsaccessusersuspended");

        *memory.suspended.lock().expect("test lock") = false;
        access.invalidate(&Invalidation::User(10));
        memory.tokens.lock().expect("test lock").clear();
        access.invalidate(&Invalidation::Token(5));
        let error = call(&access, 1004).await.expect_err("revoked");
        assert_eq!(error.exception().errorcode, "invalidtoken");
    }

    #[tokio::test]
    async fn capability_checks_use_the_cache() {
        let memory = Arc::new(Memory::default());
        let access = Access::new(memory.clone());
        assert!(
            access
                .has_capability(10, "moodle/webservice:createmobiletoken", 1)
                .await
                .is_ok_and(|b| b)
        );
        assert!(access.has_capability(10, "moodle/user:create", 1).await.is_ok_and(|b| !b));
        assert!(access.has_capability(2, "moodle/user:create", 1).await.is_ok_and(|b| b));
        assert!(access.has_capability(10, "moodle/user:create", 999).await.is_ok_and(|b| !b));
    }
}
