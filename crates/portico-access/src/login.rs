//! `login/token.php` on a real site: [`Access::login`] (spec 02 §5.1 steps 5 to 11, §5.2, §5.3;
//! errors of spec 01 §4.4 rows 4 to 16).
//!
//! The order of checks and every refusal are decided by the pure functions of
//! [`crate::decision`] ([`authenticate`], [`check_login`], [`may_create_token`]) and
//! [`crate::token::choose_reusable`]; this module only gathers their facts from the store and
//! applies what they decide: lock-out counters, a password rehash, deleted and created tokens,
//! `lastaccess`, and the events of §10 (through the [`crate::EventLog`], never waiting for it).
//!
//! The protocol layer owns rows 1 to 3 of the error table (host check, `enablewebservices`,
//! `appsitecheck`, missing parameters): it reads [`Access::site_config`] first. This module must
//! never know about HTTP, and never hand a private token to a site administrator or over plain
//! HTTP.

use std::collections::HashSet;
use std::net::IpAddr;

use portico_schema::param::clean;
use portico_schema::{ParamType, SiteSettings, Value};
use portico_store::model::{EXTERNAL_TOKEN_PERMANENT, ExternalToken, SYSTEM_CONTEXT_ID, User};

use crate::cache::Access;
use crate::capability::{ContextChain, has_capability};
use crate::decision::{
    AccessError, Authentication, Lockout, SiteConfig, UserFacts, authenticate, check_login,
    locks_out, may_create_token,
};
use crate::events;
use crate::password::{PasswordPolicy, hash_password, verify_password};
use crate::store_source::StoreSource;
use crate::token::{choose_reusable, generate_private_token, generate_token, generate_token_name};

/// What Moodle stores as the password of an account restored from a backup without its hash
/// (`is_restored_user`).
const RESTORED_PASSWORD: &str = "restored";

/// A `login/token.php` request, its parameters as received (the protocol layer checked that
/// they are present).
#[derive(Clone, Copy, Debug)]
pub struct LoginRequest<'a> {
    /// `username`, raw: cleaned here as spec 01 §4.1 says.
    pub username: &'a str,
    /// `password`, raw.
    pub password: &'a str,
    /// `service`, raw: cleaned here to letters, digits, `_` and `-`.
    pub service: &'a str,
    /// The client's address.
    pub client_ip: IpAddr,
    /// Current Unix time.
    pub now: i64,
    /// Whether the site's `wwwroot` is `https://` (the private token is only sent then).
    pub https: bool,
}

/// What `login/token.php` answers on success.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginGrant {
    /// The web-service token.
    pub token: String,
    /// The private token, or `None` (JSON `null`) on a plain-HTTP site, for a site
    /// administrator, or for a token that has none.
    pub privatetoken: Option<String>,
}

impl std::fmt::Debug for LoginGrant {
    /// Secrets stay out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginGrant")
            .field("token", &"<secret>")
            .field("privatetoken", &self.privatetoken.as_ref().map(|_| "<secret>"))
            .finish()
    }
}

/// `username` cleaned as `login/token.php` does: `PARAM_USERNAME`, then trimmed and lower-cased
/// again.
pub fn clean_login_username(username: &str, site: &SiteConfig) -> String {
    let settings =
        SiteSettings { extended_username_chars: site.extendedusernamechars, ..Default::default() };
    let cleaned = clean(&Value::str(username), ParamType::Username, &settings);
    let text = cleaned.as_str().map(str::to_owned).unwrap_or_default();
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B')).to_lowercase()
}

/// `service` cleaned as `PARAM_ALPHANUMEXT`: letters, digits, `_` and `-` kept, the rest removed.
pub fn clean_service_name(service: &str) -> String {
    service.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect()
}

impl Access<StoreSource> {
    /// The event log of this node: the protocol layer records `webservice_function_called` here.
    pub fn events(&self) -> &crate::EventLog {
        self.source().events()
    }

    /// `login/token.php` after its gate: authenticate, check the user and the service, reuse or
    /// create the token, and log the hand-out (spec 02 §5.1 steps 5 to 11).
    pub async fn login(&self, request: LoginRequest<'_>) -> Result<LoginGrant, AccessError> {
        let site = self.site_config().await?;
        let roles = self.roles().await?;
        let store = self.source().store();
        let username = clean_login_username(request.username, &site);
        let shortname = clean_service_name(request.service);

        // 5. An account restored from a backup without a password must reset it first.
        let mut user = store.user_by_username(&username, site.mnet_localhost_id).await?;
        if user.as_ref().is_some_and(|u| u.password == RESTORED_PASSWORD) {
            return Err(AccessError::RestoredAccount);
        }
        // 6. Password authentication; an e-mail address only when the site allows it and it
        // names exactly one live local account.
        if user.is_none() && site.authloginviaemail {
            user = self.user_by_email(&username, &site).await?;
        }
        let user = self.authenticate(&site, user, &username, request).await?;

        // 7 to 9, §5.2 1 to 3: the user and the service.
        let assignments =
            self.user(user.id).await?.map(|f| f.assignments.clone()).unwrap_or_default();
        // FIXME(#3): password expiry of the manual authentication plugin is not read yet (as in
        // `StoreSource::user`); no Portico site enables it.
        let facts = UserFacts { user, assignments, password_expired: false };
        let service = match store.service_by_shortname(&shortname).await? {
            Some(service) => self.service(service.id).await?,
            None => None,
        };
        check_login(&site, &roles, &facts, service.as_deref(), request.client_ip, request.now)?;
        let Some(service) = service else { return Err(AccessError::ServiceNotAvailable) };

        // §5.2 4 to 6: reuse the newest usable token, or create one if allowed.
        let token = match self.reusable_token(&facts, service.service.id, request).await? {
            Some(token) => token,
            None => {
                may_create_token(&roles, &facts, &service.service)?;
                self.create_token(&site, &facts, service.service.id, request).await?
            }
        };

        // §5.3: hand-out bookkeeping, with no throttle.
        store.touch_token(token.id, request.now, 0).await?;
        self.events().record(events::webservice_token_sent(&token, request.now, request.client_ip));
        // FIXME(#3): Moodle also queues a "new login" notification when the client address
        // differs from the user's last login address; Portico has no task queue or mail yet.

        let system = ContextChain { path: &[SYSTEM_CONTEXT_ID], locked: false };
        let admin = has_capability(&roles, &facts.subject(), "moodle/site:config", system);
        let privatetoken = if request.https && !admin { token.privatetoken.clone() } else { None };
        Ok(LoginGrant { token: token.token, privatetoken })
    }

    async fn user_by_email(
        &self,
        username: &str,
        site: &SiteConfig,
    ) -> Result<Option<User>, AccessError> {
        let email = clean(&Value::str(username), ParamType::Email, &SiteSettings::default());
        let Some(email) = email.as_str().filter(|e| !e.is_empty()) else { return Ok(None) };
        let mut users = self.source().store().users_by_email(email).await?;
        users.retain(|u| u.deleted == 0 && u.mnethostid == site.mnet_localhost_id);
        Ok(if users.len() == 1 { users.pop() } else { None })
    }

    /// §5.1 step 6 with its bookkeeping: the failure event and lock-out counter on failure, the
    /// counter reset and a rehash of an outdated hash on success.
    async fn authenticate(
        &self,
        site: &SiteConfig,
        user: Option<User>,
        username: &str,
        request: LoginRequest<'_>,
    ) -> Result<User, AccessError> {
        let store = self.source().store();
        let now = request.now;
        let lockout = match &user {
            Some(user) => self.lockout(site, user, now).await?,
            None => Lockout::default(),
        };
        // Everything but the password is decided first, so the slow hash runs only when needed;
        // `authenticate` asks for the password last, so the outcome is the same.
        let mut outcome = authenticate(site, user.as_ref(), lockout, now, |_| true);
        let mut rehash = false;
        if let (Authentication::Ok, Some(user)) = (outcome, &user) {
            let verified =
                verify(request.password, &user.password, self.source().password_policy()).await?;
            match verified {
                Some(needs_rehash) => rehash = needs_rehash,
                None => {
                    outcome = Authentication::Failed {
                        reason: crate::decision::login_failure::FAILED,
                        counts: true,
                    };
                }
            }
        }
        match (outcome, user) {
            (Authentication::Ok, Some(user)) => {
                store.reset_login_failures(user.id).await?;
                if rehash {
                    let policy = self.source().password_policy().clone();
                    let password = request.password.to_owned();
                    let hash = blocking(move || hash_password(&password, &policy)).await?;
                    // A password that verified is never too long to hash.
                    if let Ok(hash) = hash {
                        store.update_user_password(user.id, &hash).await?;
                    }
                }
                Ok(user)
            }
            (Authentication::Failed { reason, counts }, user) => {
                let userid = user.as_ref().map_or(0, |u| u.id);
                let event =
                    events::user_login_failed(userid, username, reason, now, request.client_ip);
                self.events().record(event);
                if let Some(user) = user.filter(|_| counts) {
                    let count =
                        store.record_login_failure(user.id, now, site.lockoutwindow).await?;
                    if locks_out(site, count) && lockout.locked_at == 0 {
                        // FIXME(#3): Moodle also mails the user an unlock link; Portico sends no
                        // mail yet, so an administrator unlocks (or the duration ends).
                        store
                            .set_user_preference(user.id, "login_lockout", &now.to_string())
                            .await?;
                        let secret = generate_private_token()[..15].to_owned();
                        store.set_user_preference(user.id, "login_lockout_secret", &secret).await?;
                    }
                }
                Err(AccessError::InvalidLogin)
            }
            (Authentication::Ok, None) => Err(AccessError::InvalidLogin),
        }
    }

    /// The lock-out state of `user` (`login_is_lockedout`); a lock whose duration has passed is
    /// lifted here, as Moodle does.
    async fn lockout(
        &self,
        site: &SiteConfig,
        user: &User,
        now: i64,
    ) -> Result<Lockout, AccessError> {
        let store = self.source().store();
        if site.lockoutthreshold <= 0 || user.id == self.roles().await?.site.siteguest {
            return Ok(Lockout::default());
        }
        let number = |value: Option<String>| value.and_then(|v| v.trim().parse::<i64>().ok());
        let ignored = number(store.get_user_preference(user.id, "login_lockout_ignored").await?);
        if ignored.unwrap_or(0) != 0 {
            return Ok(Lockout::default());
        }
        let locked_at = number(store.get_user_preference(user.id, "login_lockout").await?);
        let lockout = Lockout { locked_at: locked_at.unwrap_or(0) };
        if lockout.locked_at != 0 && !lockout.is_locked(site, now) {
            store.unset_user_preference(user.id, "login_lockout").await?;
            store.unset_user_preference(user.id, "login_lockout_secret").await?;
            store.reset_login_failures(user.id).await?;
            return Ok(Lockout::default());
        }
        Ok(lockout)
    }

    /// §5.2 steps 4 and 5: deletes the expired tokens and those of ended sessions, and returns
    /// the newest token usable from the client's address.
    async fn reusable_token(
        &self,
        facts: &UserFacts,
        serviceid: i64,
        request: LoginRequest<'_>,
    ) -> Result<Option<ExternalToken>, AccessError> {
        let store = self.source().store();
        let tokens = store
            .tokens_of_user_for_service(facts.user.id, serviceid, EXTERNAL_TOKEN_PERMANENT)
            .await?;
        let mut live = HashSet::new();
        let sids: HashSet<&str> =
            tokens.iter().filter_map(|t| t.sid.as_deref()).filter(|s| !s.is_empty()).collect();
        for sid in sids {
            if store.session_by_sid(sid).await?.is_some() {
                live.insert(sid.to_owned());
            }
        }
        let reuse =
            choose_reusable(&tokens, request.now, request.client_ip, |sid| live.contains(sid));
        for id in &reuse.delete_tokens {
            store.delete_token(*id).await?;
        }
        for sid in &reuse.delete_sessions {
            store.delete_tokens_of_session(sid).await?;
        }
        Ok(reuse.reuse)
    }

    /// §5.2 step 6: a new permanent token in the system context, made by the user itself.
    async fn create_token(
        &self,
        site: &SiteConfig,
        facts: &UserFacts,
        serviceid: i64,
        request: LoginRequest<'_>,
    ) -> Result<ExternalToken, AccessError> {
        let userid = facts.user.id;
        let token = ExternalToken {
            id: 0,
            token: generate_token(),
            privatetoken: Some(generate_private_token()),
            tokentype: EXTERNAL_TOKEN_PERMANENT,
            userid,
            externalserviceid: serviceid,
            sid: None,
            contextid: SYSTEM_CONTEXT_ID,
            creatorid: userid,
            iprestriction: None,
            validuntil: Some(request.now.saturating_add(site.tokenduration)),
            timecreated: request.now,
            lastaccess: None,
            name: Some(generate_token_name()),
        };
        let token = self.source().store().create_token(&token).await?;
        let event =
            events::webservice_token_created(&token, userid, true, request.now, request.client_ip);
        self.events().record(event);
        Ok(token)
    }
}

/// Verifies off the async threads (hashing takes milliseconds); `Some(needs_rehash)` on a match.
async fn verify(
    password: &str,
    hash: &str,
    policy: &PasswordPolicy,
) -> Result<Option<bool>, AccessError> {
    let (password, hash, policy) = (password.to_owned(), hash.to_owned(), policy.clone());
    let verified = blocking(move || verify_password(&password, &hash, &policy)).await?;
    Ok(verified.map(|v| v.needs_rehash))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AccessError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| AccessError::Store(format!("password hashing failed: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_cleaned_as_token_php_cleans_them() {
        let site = SiteConfig::default();
        let check =
            |raw: &str, expected: &str| assert_eq!(clean_login_username(raw, &site), expected);
        check("  STUDENT1 ", "student1");
        check("Anne Smith", "annesmith");
        check("anne+x@Example.COM", "annex@example.com");
        check("ÄNNE", "nne");
        let extended = SiteConfig { extendedusernamechars: true, ..SiteConfig::default() };
        assert_eq!(clean_login_username(" ÄNNE ", &extended), "änne");
    }

    #[test]
    fn service_names_keep_letters_digits_underscore_and_dash() {
        assert_eq!(clean_service_name("moodle_mobile_app"), "moodle_mobile_app");
        assert_eq!(clean_service_name("moodle mobile app!"), "moodlemobileapp");
        assert_eq!(clean_service_name("my-service_2"), "my-service_2");
    }

    #[test]
    fn grants_never_print_their_secrets() {
        let grant = LoginGrant { token: "abc".into(), privatetoken: Some("xyz".into()) };
        let text = format!("{grant:?}");
        assert!(!text.contains("abc") && !text.contains("xyz"));
    }
}
