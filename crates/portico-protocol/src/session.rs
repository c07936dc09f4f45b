//! Browser sessions: the `MoodleSession` cookie, the session's `sesskey`, and a minimal browser
//! login (`login/index.php`, `login/logout.php`) so that the AJAX endpoint has a session to work
//! with and a page can read the `sesskey`.
//!
//! Sessions live in the store's `sessions` table; the session data holds only the `sesskey`
//! (`sesskey=<key>`). A session idle for longer than `sessiontimeout` is gone. The login page is
//! deliberately plain: it is a means to get a session, not Moodle's login UI, and it must never
//! hand out web-service tokens (that is `login/token.php`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use http::header::{LOCATION, SET_COOKIE};
use http::{HeaderValue, Method, StatusCode};
use portico_access::password::{PasswordPolicy, verify_password};
use portico_access::token::{generate_private_token, generate_token};
use portico_engine::install::now;
use portico_schema::SiteSettings;
use portico_schema::param::{ParamType, clean};
use portico_store::StoreError;
use portico_store::model::{MNET_LOCALHOST_ID, Session, User};
use portico_wire::xml::escape_text;

use crate::headers::{self, respond};
use crate::request::{Incoming, raw_text};
use crate::site::SiteView;

/// The session cookie's name.
pub const COOKIE: &str = "MoodleSession";

/// The browser session of a request.
#[derive(Clone, Debug)]
pub(crate) struct BrowserSession {
    /// The session id (the cookie's value).
    pub(crate) sid: String,
    /// The logged-in user, `0` when nobody is logged in.
    pub(crate) userid: i64,
    /// The session key a logged-in page must send back.
    pub(crate) sesskey: String,
    /// Whether the session was started by this request (its cookie must be sent).
    pub(crate) new: bool,
}

/// A new `sesskey`: 10 letters and digits, as Moodle's `random_string(10)`.
fn new_sesskey() -> String {
    generate_private_token().chars().take(10).collect()
}

fn sessdata(sesskey: &str) -> String {
    format!("sesskey={sesskey}")
}

fn sesskey_of(session: &Session) -> String {
    session
        .sessdata
        .as_deref()
        .and_then(|data| data.strip_prefix("sesskey="))
        .unwrap_or_default()
        .to_owned()
}

/// The live session named by the request's cookie, if any; `touch` records this request on it.
pub(crate) async fn current(
    store: &portico_store::Store,
    site: &SiteView,
    incoming: &Incoming,
    touch: bool,
) -> Result<Option<BrowserSession>, StoreError> {
    let Some(sid) = incoming.cookie(COOKIE).filter(|sid| !sid.is_empty()) else {
        return Ok(None);
    };
    let Some(session) = store.session_by_sid(sid).await? else {
        return Ok(None);
    };
    let time = now();
    if session.timemodified + site.session_timeout < time {
        store.delete_session(sid).await?;
        return Ok(None);
    }
    if touch {
        store.touch_session(sid, time, &incoming.client_ip.to_string()).await?;
    }
    Ok(Some(BrowserSession {
        sid: session.sid.clone(),
        userid: session.userid,
        sesskey: sesskey_of(&session),
        new: false,
    }))
}

/// The request's session, or a new one for `userid` when it has none.
pub(crate) async fn current_or_start(
    store: &portico_store::Store,
    site: &SiteView,
    incoming: &Incoming,
    touch: bool,
) -> Result<BrowserSession, StoreError> {
    match current(store, site, incoming, touch).await? {
        Some(session) => Ok(session),
        None => start(store, incoming, 0).await,
    }
}

/// Starts a new session for `userid` (`0`: not logged in).
async fn start(
    store: &portico_store::Store,
    incoming: &Incoming,
    userid: i64,
) -> Result<BrowserSession, StoreError> {
    let time = now();
    let sesskey = new_sesskey();
    let ip = incoming.client_ip.to_string();
    let session = store
        .create_session(&Session {
            id: 0,
            state: 0,
            sid: generate_token(),
            userid,
            sessdata: Some(sessdata(&sesskey)),
            timecreated: time,
            timemodified: time,
            firstip: Some(ip.clone()),
            lastip: Some(ip),
        })
        .await?;
    Ok(BrowserSession { sid: session.sid, userid, sesskey, new: true })
}

/// `login/index.php`: `GET` shows the login form, or who is logged in with the session's
/// `sesskey`; `POST` with `username` and `password` logs in and redirects back here.
pub(crate) async fn login_page(
    State(state): State<Arc<crate::State>>,
    request: Request,
) -> Response {
    let incoming = Incoming::read(request, &state.config.limits).await;
    let store = &state.node.store;
    let site = match state.site.get().await {
        Ok(site) => site,
        Err(error) => return server_error(&error),
    };
    let session = match current(store, &site, &incoming, true).await {
        Ok(session) => session,
        Err(error) => return server_error(&error),
    };
    if incoming.method == Method::POST && incoming.param("username").is_some() {
        let username = raw_text(incoming.param("username"));
        let password = raw_text(incoming.param("password"));
        let user = match authenticate(store, &username, &password).await {
            Ok(user) => user,
            Err(error) => return server_error(&error),
        };
        let Some(user) = user else {
            return page(StatusCode::OK, &login_form(Some("Invalid login, please try again")));
        };
        // A login starts a new session, so a session id known before login is worthless after.
        if let Some(old) = &session
            && let Err(error) = store.delete_session(&old.sid).await
        {
            return server_error(&error);
        }
        let session = match start(store, &incoming, user.id).await {
            Ok(session) => session,
            Err(error) => return server_error(&error),
        };
        let mut response = redirect(&state.config.public_url);
        if let Ok(cookie) = HeaderValue::from_str(&format!("{COOKIE}={}; path=/", session.sid)) {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
        return response;
    }
    match session.filter(|session| session.userid != 0) {
        Some(session) => match store.user_by_id(session.userid).await {
            Ok(user) => {
                let name = user.map(|user| user.username).unwrap_or_default();
                page(StatusCode::OK, &logged_in(&name, &session.sesskey))
            }
            Err(error) => server_error(&error),
        },
        None => page(StatusCode::OK, &login_form(None)),
    }
}

/// `login/logout.php?sesskey=…`: ends the session when the `sesskey` is the session's, then
/// redirects to the login page.
pub(crate) async fn logout(State(state): State<Arc<crate::State>>, request: Request) -> Response {
    let incoming = Incoming::read(request, &state.config.limits).await;
    let store = &state.node.store;
    let site = match state.site.get().await {
        Ok(site) => site,
        Err(error) => return server_error(&error),
    };
    let session = match current(store, &site, &incoming, false).await {
        Ok(session) => session,
        Err(error) => return server_error(&error),
    };
    let sesskey = raw_text(incoming.param("sesskey"));
    if let Some(session) = session.filter(|session| session.sesskey == sesskey)
        && let Err(error) = store.delete_session(&session.sid).await
    {
        return server_error(&error);
    }
    redirect(&state.config.public_url)
}

/// The user with this username and password, if they may log in: a local, confirmed account
/// that is neither deleted nor suspended nor `nologin`.
async fn authenticate(
    store: &portico_store::Store,
    username: &str,
    password: &str,
) -> Result<Option<User>, StoreError> {
    let site = SiteSettings::default();
    let cleaned = clean(&username.into(), ParamType::Username, &site).to_php_string();
    let username = String::from_utf8_lossy(&cleaned).trim().to_lowercase();
    let Some(user) = store.user_by_username(&username, MNET_LOCALHOST_ID).await? else {
        return Ok(None);
    };
    let active = user.deleted == 0
        && user.suspended == 0
        && user.confirmed != 0
        && !matches!(user.auth.as_str(), "nologin" | "webservice");
    let verified = active && verify_password(password, &user.password, &PasswordPolicy::default()).is_some();
    Ok(verified.then_some(user))
}

fn redirect(wwwroot: &str) -> Response {
    let mut response = respond(StatusCode::SEE_OTHER, headers::html(), "");
    if let Ok(location) = HeaderValue::from_str(&format!("{wwwroot}/login/index.php")) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

fn server_error(error: &StoreError) -> Response {
    tracing::error!(%error, "browser login failed");
    page(StatusCode::INTERNAL_SERVER_ERROR, "<p>The site cannot be reached right now.</p>")
}

fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Log in</title></head>\
         <body>{body}</body></html>\n"
    );
    respond(status, headers::then(headers::html(), headers::session(None)), html)
}

fn escape(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    escape_text(text.as_bytes(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn login_form(error: Option<&str>) -> String {
    let error = error.map(|text| format!("<p class=\"error\">{}</p>", escape(text)));
    format!(
        "{}<form method=\"post\" action=\"index.php\">\
         <label>Username <input name=\"username\" autocomplete=\"username\"></label>\
         <label>Password <input name=\"password\" type=\"password\" \
         autocomplete=\"current-password\"></label>\
         <button type=\"submit\">Log in</button></form>",
        error.unwrap_or_default()
    )
}

fn logged_in(username: &str, sesskey: &str) -> String {
    // The sesskey is letters and digits only, so it needs no escaping in either place.
    format!(
        "<script>var M = {{cfg: {{sesskey: \"{sesskey}\"}}}};</script>\
         <p id=\"session\" data-sesskey=\"{sesskey}\">You are logged in as {}.</p>\
         <p><a href=\"logout.php?sesskey={sesskey}\">Log out</a></p>",
        escape(username)
    )
}
