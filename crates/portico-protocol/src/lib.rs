//! Moodle's web-service endpoints over HTTP.
//!
//! Each protocol decodes a request into the engine's terms (a function name, a `Value` of
//! arguments, the caller's credentials) and encodes the outcome with `portico-wire`; the steps in
//! between (access, validation, execution, cleaning) are the engine's, shared by every protocol
//! through [`call`]. The endpoints:
//!
//! - `webservice/rest/server.php` ([`rest`]): REST with JSON or XML answers;
//! - `lib/ajax/service.php` and `lib/ajax/service-nologin.php` ([`ajax`]): batches of calls from
//!   a browser session or without login;
//! - `login/index.php` and `login/logout.php` ([`session`]): a minimal browser login, so the AJAX
//!   endpoint has a session to work with.
//!
//! This crate must never decide access itself (that is `portico-access`), never touch SQL, and
//! never choose the error of a refused or failed call: it serialises the `Exception` it is
//! handed. The only exceptions it raises itself are those of HTTP-level facts that no lower layer
//! can see (a missing request parameter, a wrong `sesskey`, a body too large), gathered in
//! [`errors`].

mod ajax;
mod call;
pub mod errors;
mod headers;
mod request;
pub mod rest;
pub mod session;
mod site;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::any;
use portico_engine::Portico;
use http::StatusCode;
use tower_http::timeout::TimeoutLayer;

use crate::site::SiteCache;

/// How the HTTP server is set up.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The site's address as clients reach it (Moodle's `$CFG->wwwroot`), without a trailing
    /// slash, e.g. `https://moodle.example.org`. `login/token.php` refuses requests addressed to
    /// another host or port, and error documents link to it.
    pub public_url: String,
    /// Input limits; requests beyond them get an error, never a crash or a hang.
    pub limits: Limits,
}

impl ServerConfig {
    /// A configuration for the site at `public_url` with default [`Limits`].
    pub fn new(public_url: impl Into<String>) -> ServerConfig {
        let public_url = public_url.into().trim_end_matches('/').to_owned();
        ServerConfig { public_url, limits: Limits::default() }
    }
}

/// Input limits, PHP's counterparts in brackets.
///
/// The form limits behave as PHP's do (spec 01 §1.1): variables beyond `max_input_vars` and
/// names nested deeper than `max_nesting` are dropped silently, which then surfaces as the
/// function's own validation error. A body larger than `max_body_bytes` is refused outright with
/// the endpoint's error document ([`errors::body_too_large`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body read, in bytes (`post_max_size`); default 8 MiB.
    pub max_body_bytes: usize,
    /// Variables kept per source, query string or body (`max_input_vars`); default 5000.
    pub max_input_vars: usize,
    /// Bracket levels a variable name may have (`max_input_nesting_level`); default 64.
    pub max_nesting: usize,
    /// Nesting depth of an AJAX JSON body (`json_decode`'s `$depth`); default 512.
    pub max_json_depth: usize,
    /// Longest time a request may take, body reading included (`max_execution_time`); default
    /// 60 seconds. A request that takes longer is answered `408 Request Timeout`.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 8 * 1024 * 1024,
            max_input_vars: 5000,
            max_nesting: 64,
            max_json_depth: 512,
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// The server of one node: its endpoints and the per-node view of the site settings they read.
///
/// Cheap to clone. The settings the endpoints read (`debug`, `enablewebservices`, `version`, …)
/// and the node's access cache are kept true by the store's change feed, which the server
/// follows from its first request on; [`Server::refresh`] forgets them at once.
#[derive(Clone)]
pub struct Server {
    pub(crate) state: Arc<State>,
}

/// What every handler shares.
pub(crate) struct State {
    pub(crate) node: Portico,
    pub(crate) config: ServerConfig,
    pub(crate) site: Arc<SiteCache>,
}

impl Server {
    /// A server for `node` configured by `config`.
    pub fn new(node: Portico, config: ServerConfig) -> Server {
        let site = Arc::new(SiteCache::new(node.clone(), config.public_url.clone()));
        Server { state: Arc::new(State { node, config, site }) }
    }

    /// The endpoints, as an axum router.
    ///
    /// Serve it with the peer address available
    /// (`into_make_service_with_connect_info::<SocketAddr>()`): the client's IP decides IP
    /// restrictions and is logged. Without it every client counts as `0.0.0.0`.
    pub fn router(&self) -> Router {
        let state = self.state.clone();
        Router::new()
            .route("/webservice/rest/server.php", any(rest::handle))
            .route("/lib/ajax/service.php", any(ajax::handle_session))
            .route("/lib/ajax/service-nologin.php", any(ajax::handle_nologin))
            .route("/login/index.php", any(session::login_page))
            .route("/login/logout.php", any(session::logout))
            .with_state(state)
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                self.state.config.limits.request_timeout,
            ))
    }

    /// Forgets the cached site settings and access decisions now, instead of when the change
    /// feed reports a change (for tools and tests that changed the database themselves).
    pub fn refresh(&self) {
        self.state.site.forget();
        self.state.node.access.invalidate(&portico_access::Invalidation::All);
    }
}

/// The endpoints of `node`, served at `config.public_url` (see [`Server::router`]).
pub fn router(node: Portico, config: ServerConfig) -> Router {
    Server::new(node, config).router()
}
