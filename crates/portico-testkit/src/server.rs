//! [`TestServer`]: a real Portico site on `127.0.0.1:0`, for integration tests.
//!
//! Inside a [`crate::backend_test!`] body, [`TestServer::start`] installs a site on the test's
//! store (schema data, capabilities, web services and the mobile service on, an administrator
//! `admin` with [`ADMIN_PASSWORD`]), records the given functions, and serves the protocol
//! router over a real socket. Tests then speak HTTP to it; the helpers here make users and tokens
//! through the store, as an administrator would, never through the endpoints under test.
//!
//! Test support only: it must never be used by production code.

use std::net::SocketAddr;

use portico_engine::install::{
    InstallOptions, MOBILE_SERVICE, hash_new_password, install, new_local_user, now,
};
use portico_engine::{Portico, Registry};
use portico_protocol::{Server, ServerConfig};
use portico_store::Store;
use portico_store::model::{EXTERNAL_TOKEN_PERMANENT, ExternalToken, SYSTEM_CONTEXT_ID, User};

/// The administrator's password on every test site.
pub const ADMIN_PASSWORD: &str = "Admin-pass-1";

/// A running test site.
pub struct TestServer {
    /// The site's store.
    pub store: Store,
    /// The node behind the server.
    pub node: Portico,
    /// The administrator `admin`.
    pub admin: User,
    server: Server,
    address: SocketAddr,
    client: reqwest::Client,
}

impl TestServer {
    /// Installs a site serving `registry` on `store` and serves it with default limits.
    pub async fn start(store: Store, registry: Registry) -> TestServer {
        TestServer::start_with(store, registry, |_| {}).await
    }

    /// As [`TestServer::start`], with the server configuration adjusted by `configure` (its
    /// `public_url` is the listening address).
    pub async fn start_with(
        store: Store,
        registry: Registry,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> TestServer {
        let options = InstallOptions {
            admin_username: "admin".to_owned(),
            admin_password: ADMIN_PASSWORD.to_owned(),
            admin_email: "admin@example.com".to_owned(),
        };
        let admin = install(&store, &registry, &options).await.expect("the test site installs");
        let node = Portico::new(store.clone(), registry);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a test server binds to 127.0.0.1:0");
        let address = listener.local_addr().expect("a bound socket has an address");
        let mut config = ServerConfig::new(format!("http://{address}"));
        configure(&mut config);
        let server = Server::new(node.clone(), config);
        let app = server.router().into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            // The server runs until the test's runtime ends.
            let _ = axum::serve(listener, app).await;
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client builds");
        TestServer { store, node, admin, server, address, client }
    }

    /// The site's base URL (`wwwroot`), e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The listening address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// An HTTP client that does not follow redirects.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sets the site setting `name` and makes the server see it at once.
    pub async fn set_config(&self, name: &str, value: &str) {
        self.store.set_config(name, value).await.expect("a site setting is stored");
        self.server.refresh();
    }

    /// Makes the server forget what it cached (after changing the store directly).
    pub fn refresh(&self) {
        self.server.refresh();
    }

    /// Creates a confirmed local user with `password`.
    pub async fn create_user(&self, username: &str, password: &str) -> User {
        let hash = hash_new_password(password).expect("a test password hashes");
        let user =
            new_local_user(username, hash, "Test", username, &format!("{username}@example.com"));
        self.store.create_user(&user).await.expect("a test user is created")
    }

    /// A new permanent token of `userid` for the service `shortname`, as an administrator makes
    /// one.
    pub async fn token_for_service(&self, userid: i64, shortname: &str) -> String {
        let service = self
            .store
            .service_by_shortname(shortname)
            .await
            .expect("services can be read")
            .unwrap_or_else(|| panic!("the service {shortname} exists"));
        let token = ExternalToken {
            id: 0,
            token: portico_access::token::generate_token(),
            privatetoken: Some(portico_access::token::generate_private_token()),
            tokentype: EXTERNAL_TOKEN_PERMANENT,
            userid,
            externalserviceid: service.id,
            sid: None,
            contextid: SYSTEM_CONTEXT_ID,
            creatorid: self.admin.id,
            iprestriction: None,
            validuntil: None,
            timecreated: now(),
            lastaccess: None,
            name: None,
        };
        self.store.create_token(&token).await.expect("a test token is stored").token
    }

    /// A new permanent token of `userid` for the mobile service.
    pub async fn token(&self, userid: i64) -> String {
        self.token_for_service(userid, MOBILE_SERVICE).await
    }

    /// Sends `form` to the REST server as a form-encoded `POST`.
    pub async fn rest(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.post_form("/webservice/rest/server.php", form).await
    }

    /// Sends `form` to `path` as a form-encoded `POST`.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let body = form_encode(form);
        self.client
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the test server answers")
    }

    /// The shared server handle, for tests of the server itself.
    pub fn server(&self) -> &Server {
        &self.server
    }
}

/// `name=value&…` with both sides percent-encoded (brackets included), as browsers send forms.
pub fn form_encode(form: &[(&str, &str)]) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    char::from(byte).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect()
    }
    form.iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}
