//! The ordered access decisions of spec 02: a token call (§3) and `login/token.php` (§5).
//!
//! Both are pure functions over facts already loaded (the token row, the user, the service with
//! its functions and authorised users, the role snapshot, the site settings). They return the
//! outcome together with the [`Effects`] Moodle performs on the way (deleting an expired token,
//! logging a failed login, touching `lastaccess`), which the caller ([`crate::Access`]) applies.
//! Keeping I/O out makes every row of the check tables a microsecond test.
//!
//! Every refusal is an [`AccessError`]; [`AccessError::exception`] is the one table from refusal
//! to Moodle's exception (class, error code, module, message, debug information), with the texts
//! of spec 02 and 01 §4.4 verbatim.
//!
//! Deliberate deviation (spec README, decision 2): service authorisation (§7, step 17) admits an
//! authorised user whose `validuntil` is null, 0 or not yet passed; Moodle compares the wrong way.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use portico_schema::Exception;
use portico_store::model::{
    EXTERNAL_TOKEN_PERMANENT, ExternalService, ExternalServiceUser, ExternalToken, User,
};

use crate::capability::{ContextChain, RoleSnapshot, Subject, has_capability};
use crate::ip::address_in_subnet;

/// `webservice::TOKEN_LASTACCESS_UPDATE_SECS`: `lastaccess` is written at most once a minute.
pub const TOKEN_LASTACCESS_UPDATE_SECS: i64 = 60;
/// Short name of the built-in mobile service (`MOODLE_OFFICIAL_MOBILE_SERVICE`).
pub const MOODLE_OFFICIAL_MOBILE_SERVICE: &str = "moodle_mobile_app";

/// A refusal, in Portico's terms; [`AccessError::exception`] gives Moodle's exception.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// §3 0b: web services are off, or the protocol is not enabled. The protocol layer answers
    /// with its own HTTP status and an empty body (REST: 403).
    #[error("protocol {protocol} is not enabled")]
    ProtocolDisabled {
        /// The protocol asked for.
        protocol: String,
    },
    /// §3 1: no permanent token with this value.
    #[error("token not found")]
    InvalidToken,
    /// §3 2: the token's `validuntil` has passed (the token is deleted).
    #[error("token expired")]
    TokenExpired,
    /// §3 3: the browser session of an embedded token is gone.
    #[error("session of the token not found")]
    SessionExpired,
    /// §3 4: the token's IP restriction does not admit the client.
    #[error("ip {ip} not allowed by the token")]
    IpRestricted {
        /// The client address as Moodle prints it.
        ip: String,
    },
    /// §3 5: the token's user row does not exist.
    #[error("user of the token not found")]
    InvalidUser,
    /// §3 7 and §5.1 7: maintenance mode and no `moodle/site:maintenanceaccess`.
    #[error("site in maintenance")]
    SiteMaintenance,
    /// §3 8: the user is deleted.
    #[error("user {username} deleted")]
    UserDeleted {
        /// Username.
        username: String,
    },
    /// §3 9: the user is not confirmed.
    #[error("user {username} unconfirmed")]
    UserUnconfirmed {
        /// Username.
        username: String,
    },
    /// §3 10: the user is suspended.
    #[error("user {username} suspended")]
    UserSuspended {
        /// Username.
        username: String,
    },
    /// §3 11: the user's password has expired.
    #[error("password of {username} expired")]
    PasswordExpired {
        /// Username.
        username: String,
    },
    /// §3 12: the user's authentication method is `nologin`.
    #[error("user {username} has nologin authentication")]
    NoLogin {
        /// Username.
        username: String,
    },
    /// §3 14: the user lacks `webservice/<protocol>:use` in the token's context.
    #[error("missing capability webservice/{protocol}:use")]
    ProtocolCapability {
        /// The protocol.
        protocol: String,
    },
    /// §3 15: no function name.
    #[error("missing function name")]
    MissingFunctionName,
    /// §3 16: the function is not registered.
    #[error("function not registered")]
    UnknownFunction,
    /// §3 17: service authorisation failed (§7).
    #[error("function {function} not allowed for the token")]
    FunctionNotAllowed {
        /// The function's name.
        function: String,
    },
    /// §5.1 2: web services are off.
    #[error("web services disabled")]
    WebServicesDisabled,
    /// §5.1 5: the account was restored without a password.
    #[error("restored account must reset its password")]
    RestoredAccount,
    /// §5.1 6: password authentication failed for any reason.
    #[error("invalid login")]
    InvalidLogin,
    /// §5.1 7: the account is not confirmed.
    #[error("user {username} not confirmed")]
    NotConfirmed {
        /// Username.
        username: String,
    },
    /// §5.1 7: the guest account.
    #[error("guest login")]
    NoGuest,
    /// §5.1 7: the password has expired.
    #[error("password expired")]
    PasswordIsExpired,
    /// §5.1 9: no enabled service with that short name.
    #[error("service not available")]
    ServiceNotAvailable,
    /// §5.2 1: the user is deleted.
    #[error("user deleted")]
    ActiveUserDeleted,
    /// §5.2 1: not a real user.
    #[error("not a real user")]
    ActiveUserInvalid,
    /// §5.2 1: the guest user.
    #[error("guest not allowed")]
    GuestsNotAllowed,
    /// §5.2 1: suspended or `nologin`.
    #[error("account suspended")]
    Suspended,
    /// §5.2 2: the service's required capability is missing.
    #[error("missing required capability {capability}")]
    MissingRequiredCapability {
        /// The capability.
        capability: String,
    },
    /// §5.2 3: restricted service, user not listed.
    #[error("user not allowed for service {shortname}")]
    UserNotAllowed {
        /// The service's short name.
        shortname: String,
    },
    /// §5.2 3: the listing has expired.
    #[error("authorisation expired")]
    InvalidTimedToken,
    /// §5.2 3: the listing's IP restriction does not admit the client.
    #[error("ip not allowed for this user")]
    InvalidIpToken,
    /// §5.2 6: no reusable token and no right to create one.
    #[error("cannot create a token for {shortname}")]
    CannotCreateToken {
        /// The service's short name.
        shortname: String,
    },
    /// Storage failed while deciding; never a refusal of the client's making.
    #[error("storage failed: {0}")]
    Store(String),
}

const FUNCTION_NOT_ALLOWED_REASONS: [&str; 11] = [
    "There could be multiple reasons for this:",
    "1. The service linked to the user token does not contain the function.",
    "2. The service is user-restricted and the user is not listed.",
    "3. The service is IP-restricted and the user IP is not listed.",
    "4. The service is time-restricted and the time has expired.",
    "5. The token is time-restricted and the time has expired.",
    "6. The service requires a specific capability which the user does not have.",
    "7. The function is called with username/password (no user token is sent)",
    "and none of the services has the function to allow the user.",
    "These settings can be found in Administration > Site administration",
    "> Server > Web services > External services and Manage tokens.",
];

impl AccessError {
    /// Moodle's exception for this refusal: the one table of spec 02 §3 and 01 §4.4.
    pub fn exception(&self) -> Exception {
        let access = |debuginfo: String| {
            Exception::new(
                "webservice_access_exception",
                "accessexception",
                "webservice",
                "Access control exception",
            )
            .with_debuginfo(debuginfo)
        };
        let ws =
            |code: &'static str, message: String| Exception::moodle(code, "webservice", message);
        match self {
            Self::ProtocolDisabled { .. } => {
                access("Web services are not enabled in Advanced features.".to_owned())
            }
            Self::InvalidToken => ws("invalidtoken", "Invalid token - token not found".to_owned()),
            Self::TokenExpired => access(
                "Invalid token - token expired - check validuntil time for the token".to_owned(),
            ),
            Self::SessionExpired => {
                access("Invalid session based token - session not found or expired".to_owned())
            }
            Self::IpRestricted { ip } => access(format!(
                "Invalid service - IP:{ip} is not supported - check this allowed user"
            )),
            Self::InvalidUser | Self::ActiveUserInvalid => {
                let class = if matches!(self, Self::InvalidUser) {
                    "dml_missing_record_exception"
                } else {
                    "moodle_exception"
                };
                Exception::new(class, "invaliduser", "error", "Invalid user")
            }
            Self::SiteMaintenance => Exception::moodle(
                "sitemaintenance",
                "admin",
                "The site is undergoing maintenance and is currently not available",
            ),
            Self::UserDeleted { username } => ws(
                "wsaccessuserdeleted",
                format!("Refused web service access for deleted username: {username}"),
            ),
            Self::UserUnconfirmed { username } => ws(
                "wsaccessuserunconfirmed",
                format!("Refused web service access for unconfirmed username: {username}"),
            ),
            Self::UserSuspended { username } => ws(
                "wsaccessusersuspended",
                format!("Refused web service access for suspended username: {username}"),
            ),
            Self::PasswordExpired { username } => ws(
                "wsaccessuserexpired",
                format!("Refused web service access for password expired username: {username}"),
            ),
            Self::NoLogin { username } => ws(
                "wsaccessusernologin",
                format!(
                    "Refused web service access for nologin authentication username: {username}"
                ),
            ),
            Self::ProtocolCapability { protocol } => access(format!(
                "You are not allowed to use the {protocol} protocol (missing capability: \
                 webservice/{protocol}:use)"
            )),
            Self::MissingFunctionName => Exception::invalid_parameter("Missing function name"),
            Self::UnknownFunction => Exception::new(
                "dml_missing_record_exception",
                "invalidrecord",
                "error",
                "Can't find data record in database table external_functions.",
            ),
            Self::FunctionNotAllowed { function } => {
                let mut debuginfo = format!("Access to the function {function}() is not allowed.");
                for line in FUNCTION_NOT_ALLOWED_REASONS {
                    debuginfo.push('\n');
                    debuginfo.push_str(&" ".repeat(21));
                    debuginfo.push_str(line);
                }
                access(debuginfo)
            }
            Self::WebServicesDisabled => ws(
                "enablewsdescription",
                "Web services must be enabled in Advanced features.".to_owned(),
            ),
            Self::RestoredAccount => ws(
                "restoredaccountresetpassword",
                "Restored account need to reset password before getting a token.".to_owned(),
            ),
            Self::InvalidLogin => {
                Exception::moodle("invalidlogin", "moodle", "Invalid login, please try again")
            }
            Self::NotConfirmed { username } => Exception::moodle(
                "usernotconfirmed",
                "moodle",
                format!("Could not confirm {username}"),
            ),
            Self::NoGuest => Exception::moodle("noguest", "error", "No guests here!"),
            Self::PasswordIsExpired => {
                Exception::moodle("passwordisexpired", "moodle", "Password is expired.")
            }
            Self::ServiceNotAvailable => ws(
                "servicenotavailable",
                "Web service is not available. (It doesn't exist or might be disabled.)".to_owned(),
            ),
            Self::ActiveUserDeleted => {
                Exception::moodle("userdeleted", "moodle", "This user account has been deleted")
            }
            Self::GuestsNotAllowed => Exception::moodle(
                "guestsarenotallowed",
                "error",
                "The guest user is not allowed to do this",
            ),
            Self::Suspended => Exception::moodle("suspended", "auth", "Suspended account"),
            Self::MissingRequiredCapability { capability } => {
                ws("missingrequiredcapability", format!("The capability {capability} is required."))
            }
            Self::UserNotAllowed { shortname } => ws(
                "usernotallowed",
                format!(
                    "The user is not allowed for this service. First you need to allow this user \
                     on the {shortname}'s allowed users administration page."
                ),
            ),
            Self::InvalidTimedToken => {
                ws("invalidtimedtoken", "Invalid token - token expired".to_owned())
            }
            Self::InvalidIpToken => {
                ws("invalidiptoken", "Invalid token - your IP is not supported".to_owned())
            }
            Self::CannotCreateToken { shortname } => ws(
                "cannotcreatetoken",
                format!("No permission to create web service token for the service {shortname}."),
            ),
            Self::Store(detail) => Exception::new(
                "dml_read_exception",
                "dmlreadexception",
                "error",
                "Error reading from database",
            )
            .with_debuginfo(detail.as_str()),
        }
    }
}

/// Site settings the decisions read (`$CFG->…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteConfig {
    /// `enablewebservices`.
    pub enablewebservices: bool,
    /// `webserviceprotocols`, split at commas.
    pub webserviceprotocols: Vec<String>,
    /// `maintenance_enabled`.
    pub maintenance_enabled: bool,
    /// `tokenduration`, seconds.
    pub tokenduration: i64,
    /// `lockoutthreshold` (0 disables lock-out).
    pub lockoutthreshold: i64,
    /// `lockoutwindow`, seconds.
    pub lockoutwindow: i64,
    /// `lockoutduration`, seconds (0 = until unlocked).
    pub lockoutduration: i64,
    /// Enabled authentication plugins besides `manual` and `nologin` (`auth`), e.g. `webservice`.
    pub enabled_auths: Vec<String>,
    /// `authloginviaemail`: `login/token.php` also accepts a unique e-mail address as username.
    pub authloginviaemail: bool,
    /// `extendedusernamechars`: usernames may contain any character (changes username cleaning).
    pub extendedusernamechars: bool,
    /// `mnet_localhost_id`: the MNet host of local accounts.
    pub mnet_localhost_id: i64,
}

impl Default for SiteConfig {
    /// A fresh installation's settings.
    fn default() -> SiteConfig {
        SiteConfig {
            enablewebservices: false,
            webserviceprotocols: Vec::new(),
            maintenance_enabled: false,
            tokenduration: 7_257_600,
            lockoutthreshold: 0,
            lockoutwindow: 1800,
            lockoutduration: 1800,
            enabled_auths: vec!["email".to_owned()],
            authloginviaemail: false,
            extendedusernamechars: false,
            mnet_localhost_id: portico_store::model::MNET_LOCALHOST_ID,
        }
    }
}

impl SiteConfig {
    /// Whether `auth` may authenticate at all (`manual` always; `nologin` never).
    pub fn auth_enabled(&self, auth: &str) -> bool {
        auth == "manual" || (auth != "nologin" && self.enabled_auths.iter().any(|a| a == auth))
    }
}

/// A service with what authorisation needs: its functions and its authorised users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceEntry {
    /// The `external_services` row.
    pub service: ExternalService,
    /// Names in `external_services_functions`.
    pub functions: HashSet<String>,
    /// Rows of `external_services_users`, by user id.
    pub users: HashMap<i64, ExternalServiceUser>,
}

/// Everything about the calling user that the decision reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFacts {
    /// The `user` row.
    pub user: User,
    /// Explicit role assignments: (roleid, contextid).
    pub assignments: Vec<(i64, i64)>,
    /// Whether the user's authentication method reports the password expired.
    pub password_expired: bool,
}

impl UserFacts {
    pub(crate) fn subject(&self) -> Subject {
        Subject {
            userid: self.user.id,
            deleted: self.user.deleted != 0,
            assignments: self.assignments.clone(),
        }
    }
}

/// A token call as the protocol layer received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenCall<'a> {
    /// `wstoken`.
    pub token: &'a str,
    /// `wsfunction` (may be empty).
    pub function: &'a str,
    /// `rest`, `soap`, `xmlrpc`.
    pub protocol: &'a str,
    /// The client's address.
    pub client_ip: IpAddr,
    /// Current Unix time.
    pub now: i64,
}

/// What a token call's decision read: looked up by [`crate::Access`] (or a test).
#[derive(Clone, Copy, Debug)]
pub struct CallFacts<'a> {
    /// Site settings.
    pub site: &'a SiteConfig,
    /// Roles and capabilities.
    pub roles: &'a RoleSnapshot,
    /// The permanent token with the call's value, if any.
    pub token: Option<&'a ExternalToken>,
    /// Whether the token's browser session exists (only read when `sid` is set).
    pub session_exists: bool,
    /// The token's user, if the row exists.
    pub user: Option<&'a UserFacts>,
    /// Context ids from the system context to the token's context; empty when it does not exist.
    pub context_path: &'a [i64],
    /// Whether the function is registered in `external_functions`.
    pub function_registered: bool,
    /// The token's service, if it exists.
    pub service: Option<&'a ServiceEntry>,
}

/// Who is calling, once every check passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The user the call runs as.
    pub userid: i64,
    /// The token's id.
    pub tokenid: i64,
    /// The token's service.
    pub serviceid: i64,
    /// The restricted context (the token's `contextid`).
    pub contextid: i64,
}

/// A `\core\event\webservice_login_failed` to log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginFailed {
    /// `other.method`: 1 permanent token.
    pub method: i64,
    /// `other.reason`.
    pub reason: &'static str,
    /// `other.tokenid`, when the event names the token.
    pub tokenid: Option<i64>,
}

/// The side effects Moodle performs along a decision; the caller applies them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Delete this token (found expired).
    pub delete_token: Option<i64>,
    /// Delete every token of this browser session (it is gone).
    pub delete_session_tokens: Option<String>,
    /// Set this token's `lastaccess` to now (the 60-second throttle passed).
    pub touch_token: Option<i64>,
    /// Log a failed web-service login.
    pub login_failed: Option<LoginFailed>,
}

/// The outcome of a decision and its side effects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<T> {
    /// Allowed (with what) or refused (why).
    pub outcome: Result<T, AccessError>,
    /// What to write, whatever the outcome.
    pub effects: Effects,
}

/// Whether a token's expiry has passed (`validuntil` non-zero and before `now`).
pub fn expired(validuntil: Option<i64>, now: i64) -> bool {
    validuntil.is_some_and(|until| until != 0 && until < now)
}

/// Whether an optional IP restriction admits `ip` (null or empty admits everyone).
pub fn ip_allowed(restriction: Option<&str>, ip: IpAddr) -> bool {
    restriction.is_none_or(|r| r.trim().is_empty() || address_in_subnet(ip, r))
}

/// The decision for a token call, steps 0b to 17 of spec 02 §3.
pub fn decide_token_call(call: TokenCall<'_>, facts: CallFacts<'_>) -> Decision<Caller> {
    let mut effects = Effects::default();
    let outcome = token_call(call, facts, &mut effects);
    Decision { outcome, effects }
}

fn token_call(
    call: TokenCall<'_>,
    facts: CallFacts<'_>,
    effects: &mut Effects,
) -> Result<Caller, AccessError> {
    let site = facts.site;
    if !site.enablewebservices || !site.webserviceprotocols.iter().any(|p| p == call.protocol) {
        return Err(AccessError::ProtocolDisabled { protocol: call.protocol.to_owned() });
    }
    // 1. A permanent token with exactly this value.
    let token = match facts.token {
        Some(token) if token.token == call.token && token.tokentype == EXTERNAL_TOKEN_PERMANENT => {
            token
        }
        _ => {
            let event = LoginFailed { method: 1, reason: "invalid_token", tokenid: None };
            effects.login_failed = Some(event);
            return Err(AccessError::InvalidToken);
        }
    };
    // 2. Not expired; an expired token is deleted.
    if expired(token.validuntil, call.now) {
        effects.delete_token = Some(token.id);
        return Err(AccessError::TokenExpired);
    }
    // 3. The browser session of an embedded token still exists.
    if let Some(sid) = token.sid.as_deref().filter(|sid| !sid.is_empty())
        && !facts.session_exists
    {
        effects.delete_session_tokens = Some(sid.to_owned());
        return Err(AccessError::SessionExpired);
    }
    // 4. The token's IP restriction.
    if !ip_allowed(token.iprestriction.as_deref(), call.client_ip) {
        let event = LoginFailed { method: 1, reason: "ip_restricted", tokenid: Some(token.id) };
        effects.login_failed = Some(event);
        return Err(AccessError::IpRestricted { ip: call.client_ip.to_canonical().to_string() });
    }
    // 5. The user row exists.
    let user = facts.user.filter(|u| u.user.id == token.userid).ok_or(AccessError::InvalidUser)?;
    // 6. lastaccess, throttled; before the user-state checks, as in Moodle.
    if call.now >= token.lastaccess.unwrap_or(0) + TOKEN_LASTACCESS_UPDATE_SECS {
        effects.touch_token = Some(token.id);
    }
    let subject = user.subject();
    let chain = ContextChain { path: facts.context_path, locked: false };
    let system = ContextChain {
        path: &facts.context_path[..facts.context_path.len().min(1)],
        locked: false,
    };
    // 7. Maintenance mode.
    if site.maintenance_enabled
        && !has_capability(facts.roles, &subject, "moodle/site:maintenanceaccess", system)
    {
        return Err(AccessError::SiteMaintenance);
    }
    // 8-12. The user's state.
    let username = user.user.username.clone();
    let refuse = |effects: &mut Effects, reason: &'static str, error: AccessError| {
        effects.login_failed = Some(LoginFailed { method: 1, reason, tokenid: None });
        Err(error)
    };
    if user.user.deleted != 0 {
        return refuse(effects, "user_deleted", AccessError::UserDeleted { username });
    }
    if user.user.confirmed == 0 {
        return refuse(effects, "user_unconfirmed", AccessError::UserUnconfirmed { username });
    }
    if user.user.suspended != 0 {
        return refuse(effects, "user_unconfirmed", AccessError::UserSuspended { username });
    }
    if user.password_expired {
        return refuse(effects, "password_expired", AccessError::PasswordExpired { username });
    }
    if user.user.auth == "nologin" {
        return refuse(effects, "login", AccessError::NoLogin { username });
    }
    // 14. The protocol capability in the token's context.
    let capability = format!("webservice/{}:use", call.protocol);
    if !has_capability(facts.roles, &subject, &capability, chain) {
        return Err(AccessError::ProtocolCapability { protocol: call.protocol.to_owned() });
    }
    // 15, 16. A registered function.
    if call.function.is_empty() {
        return Err(AccessError::MissingFunctionName);
    }
    if !facts.function_registered {
        return Err(AccessError::UnknownFunction);
    }
    // 17. Service authorisation (§7).
    let authorised = facts
        .service
        .is_some_and(|entry| service_allows(entry, token, &subject, call, facts.roles, chain));
    if !authorised {
        return Err(AccessError::FunctionNotAllowed { function: call.function.to_owned() });
    }
    Ok(Caller {
        userid: user.user.id,
        tokenid: token.id,
        serviceid: token.externalserviceid,
        contextid: token.contextid,
    })
}

/// §7: the token's service is enabled, offers the function, admits the user (with the intended
/// expiry comparison) and the user holds its required capability in the token's context.
fn service_allows(
    entry: &ServiceEntry,
    token: &ExternalToken,
    subject: &Subject,
    call: TokenCall<'_>,
    roles: &RoleSnapshot,
    chain: ContextChain<'_>,
) -> bool {
    let service = &entry.service;
    if service.enabled != 1 || service.id != token.externalserviceid {
        return false;
    }
    if !entry.functions.contains(call.function) {
        return false;
    }
    if service.restrictedusers != 0 {
        let Some(listing) = entry.users.get(&subject.userid) else { return false };
        if expired(listing.validuntil, call.now)
            || !ip_allowed(listing.iprestriction.as_deref(), call.client_ip)
        {
            return false;
        }
    }
    match service.requiredcapability.as_deref().filter(|c| !c.is_empty()) {
        Some(capability) => has_capability(roles, subject, capability, chain),
        None => true,
    }
}

/// Lock-out state of a user, from the `login_*` user preferences (spec 02 §11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lockout {
    /// `login_lockout`: when the account was locked, 0 when it is not.
    pub locked_at: i64,
}

impl Lockout {
    /// Whether password authentication is refused now (`login_is_lockedout`).
    pub fn is_locked(&self, site: &SiteConfig, now: i64) -> bool {
        site.lockoutthreshold > 0
            && self.locked_at > 0
            && (site.lockoutduration == 0 || now - self.locked_at < site.lockoutduration)
    }
}

/// Whether a failed login that brought the counter to `count` locks the account.
pub fn locks_out(site: &SiteConfig, count: i64) -> bool {
    site.lockoutthreshold > 0 && count >= site.lockoutthreshold
}

/// `\core\event\user_login_failed` reasons (`AUTH_LOGIN_*`).
pub mod login_failure {
    /// No such user.
    pub const NOUSER: i64 = 1;
    /// Suspended account (also `nologin` and disabled authentication methods).
    pub const SUSPENDED: i64 = 2;
    /// Wrong credentials.
    pub const FAILED: i64 = 3;
    /// Locked out.
    pub const LOCKOUT: i64 = 4;
}

/// The result of password authentication (`authenticate_user_login`), before any I/O.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authentication {
    /// Authenticated.
    Ok,
    /// Refused with this `user_login_failed` reason; `counts` when the failure increments the
    /// lock-out counter (a wrong password for an existing user).
    Failed {
        /// `other.reason` of the event.
        reason: i64,
        /// Whether to record a failed attempt for lock-out.
        counts: bool,
    },
}

/// Password authentication as Moodle's `authenticate_user_login` orders it: unknown user, then
/// suspended / `nologin` / disabled method, then locked out, then the password itself.
/// `password_ok` is asked only when needed (hashing is slow).
pub fn authenticate(
    site: &SiteConfig,
    user: Option<&User>,
    lockout: Lockout,
    now: i64,
    password_ok: impl FnOnce(&User) -> bool,
) -> Authentication {
    let Some(user) = user.filter(|u| u.deleted == 0) else {
        return Authentication::Failed { reason: login_failure::NOUSER, counts: false };
    };
    if user.suspended != 0 || !site.auth_enabled(&user.auth) {
        return Authentication::Failed { reason: login_failure::SUSPENDED, counts: false };
    }
    if lockout.is_locked(site, now) {
        return Authentication::Failed { reason: login_failure::LOCKOUT, counts: false };
    }
    // The `webservice` method's own login always fails (its users cannot get tokens this way).
    if user.auth == "webservice" || !password_ok(user) {
        return Authentication::Failed { reason: login_failure::FAILED, counts: true };
    }
    Authentication::Ok
}

/// The checks of `login/token.php` after authentication, §5.1 step 7 to §5.2 step 3, in order.
/// `service` is the enabled service with the requested short name, if any.
pub fn check_login(
    site: &SiteConfig,
    roles: &RoleSnapshot,
    user: &UserFacts,
    service: Option<&ServiceEntry>,
    client_ip: IpAddr,
    now: i64,
) -> Result<(), AccessError> {
    let subject = user.subject();
    let system = ContextChain { path: &[portico_store::model::SYSTEM_CONTEXT_ID], locked: false };
    let guest = user.user.id == roles.site.siteguest;
    if site.maintenance_enabled
        && !has_capability(roles, &subject, "moodle/site:maintenanceaccess", system)
    {
        return Err(AccessError::SiteMaintenance);
    }
    if user.user.confirmed == 0 {
        return Err(AccessError::NotConfirmed { username: user.user.username.clone() });
    }
    if guest {
        return Err(AccessError::NoGuest);
    }
    if user.password_expired {
        return Err(AccessError::PasswordIsExpired);
    }
    let entry =
        service.filter(|e| e.service.enabled == 1).ok_or(AccessError::ServiceNotAvailable)?;
    // §5.2 1: the user must be active.
    if user.user.deleted != 0 {
        return Err(AccessError::ActiveUserDeleted);
    }
    if user.user.id <= 0 {
        return Err(AccessError::ActiveUserInvalid);
    }
    if user.user.suspended != 0 || user.user.auth == "nologin" {
        return Err(AccessError::Suspended);
    }
    let shortname = entry.service.shortname.clone().unwrap_or_default();
    if let Some(capability) = entry.service.requiredcapability.as_deref().filter(|c| !c.is_empty())
        && !has_capability(roles, &subject, capability, system)
    {
        return Err(AccessError::MissingRequiredCapability { capability: capability.to_owned() });
    }
    if entry.service.restrictedusers != 0 {
        let listing =
            entry.users.get(&user.user.id).ok_or(AccessError::UserNotAllowed { shortname })?;
        if expired(listing.validuntil, now) {
            return Err(AccessError::InvalidTimedToken);
        }
        if !ip_allowed(listing.iprestriction.as_deref(), client_ip) {
            return Err(AccessError::InvalidIpToken);
        }
    }
    Ok(())
}

/// §5.2 step 6: whether the user may have a new token created for `service` automatically.
pub fn may_create_token(
    roles: &RoleSnapshot,
    user: &UserFacts,
    service: &ExternalService,
) -> Result<(), AccessError> {
    let subject = user.subject();
    let system = ContextChain { path: &[portico_store::model::SYSTEM_CONTEXT_ID], locked: false };
    let shortname = service.shortname.clone().unwrap_or_default();
    let mobile = shortname == MOODLE_OFFICIAL_MOBILE_SERVICE
        && has_capability(roles, &subject, "moodle/webservice:createmobiletoken", system);
    let general = !roles.is_siteadmin(subject.userid)
        && has_capability(roles, &subject, "moodle/webservice:createtoken", system);
    if mobile || general { Ok(()) } else { Err(AccessError::CannotCreateToken { shortname }) }
}

#[cfg(test)]
mod tests;
