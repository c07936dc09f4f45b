//! The built-in functions over real HTTP: a test server on `127.0.0.1:0` serving every
//! built-in function, called through the REST server in JSON and XML as clients send them
//! (bracket-encoded form bodies), on SQLite and PostgreSQL (`backend_test!`). One module per
//! group of functions.

mod cohorts;
mod course_reads;
mod courses;
mod enrolment;
mod groups;
mod mobile_config;
mod provisioning;
mod site;
mod user_rules;
mod users;

use portico_access::token::generate_token;
use portico_store::Store;
use portico_store::model::{Course, CourseCategory, ExternalService, User};
use portico_testkit::TestServer;
use serde_json::Value as Json;

/// A test site serving every built-in function.
pub struct Site {
    /// The server.
    pub server: TestServer,
}

impl Site {
    /// Installs a site on `store` and serves it.
    pub async fn start(store: Store) -> Site {
        Site { server: TestServer::start(store, portico_functions::registry()).await }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.server.store
    }

    /// The administrator.
    pub fn admin(&self) -> &User {
        &self.server.admin
    }

    /// Creates a local user `username` with password `Passw0rd!`.
    pub async fn user(&self, username: &str) -> User {
        self.server.create_user(username, "Passw0rd!").await
    }

    /// Creates a visible category.
    pub async fn category(&self, name: &str, parent: i64) -> CourseCategory {
        portico_functions::fixtures::category(self.store(), name, parent).await.unwrap()
    }

    /// Creates a visible course with the default sections and enrolment instances.
    pub async fn course(&self, shortname: &str, category: i64) -> Course {
        self.server.refresh();
        portico_functions::fixtures::course(&self.server.node, shortname, category).await.unwrap()
    }

    /// Enrols `userid` in `courseid` (manual instance) with `roleid`.
    pub async fn enrol(&self, userid: i64, courseid: i64, roleid: i64) {
        portico_functions::fixtures::enrol(self.store(), userid, courseid, roleid).await.unwrap();
    }

    /// A token of `userid` for a new enabled service holding exactly `functions`.
    pub async fn token(&self, userid: i64, functions: &[&str]) -> String {
        let shortname = format!("test{}", generate_token());
        let service = ExternalService {
            id: 0,
            name: shortname.clone(),
            enabled: 1,
            requiredcapability: None,
            restrictedusers: 0,
            component: None,
            timecreated: 0,
            timemodified: None,
            shortname: Some(shortname.clone()),
            downloadfiles: 0,
            uploadfiles: 0,
        };
        let service = self.store().create_service(&service).await.unwrap();
        for function in functions {
            self.store().add_service_function(service.id, function).await.unwrap();
        }
        self.server.refresh();
        self.server.token_for_service(userid, &shortname).await
    }

    /// A token of `userid` for the built-in mobile service.
    pub async fn mobile_token(&self, userid: i64) -> String {
        self.server.token(userid).await
    }

    /// Calls `function` with `args` (form pairs, brackets unencoded: the encoder percent-encodes
    /// them as clients do) and returns the JSON answer. The server's caches are refreshed
    /// first, since tests change the store directly.
    pub async fn json(&self, token: &str, function: &str, args: &[(&str, &str)]) -> Json {
        let text = self.call(token, function, "json", args).await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{function}: {e}: {text}"))
    }

    /// As [`Site::json`], answered in REST XML; returns the body.
    pub async fn xml(&self, token: &str, function: &str, args: &[(&str, &str)]) -> String {
        self.call(token, function, "xml", args).await
    }

    async fn call(
        &self,
        token: &str,
        function: &str,
        format: &str,
        args: &[(&str, &str)],
    ) -> String {
        self.server.refresh();
        let mut form =
            vec![("wstoken", token), ("wsfunction", function), ("moodlewsrestformat", format)];
        form.extend_from_slice(args);
        let response = self.server.rest(&form).await;
        assert_eq!(response.status(), 200, "{function}");
        response.text().await.unwrap()
    }
}

/// Asserts `answer` is the Moodle error `errorcode` of the PHP class `class` (its short name, e.g.
/// `moodle_exception`; the wire carries the name Moodle 4.5 gives it, e.g.
/// `core\exception\moodle_exception`) and returns its message.
pub fn assert_error(answer: &Json, class: &'static str, errorcode: &str) -> String {
    let exception = portico_schema::Exception::new(class, "", "", "");
    let expected = exception.class_name(portico_schema::ClassNaming::Namespaced);
    assert_eq!(answer["exception"], expected.as_ref(), "{answer}");
    assert_eq!(answer["errorcode"], errorcode, "{answer}");
    answer["message"].as_str().unwrap_or_default().to_owned()
}
