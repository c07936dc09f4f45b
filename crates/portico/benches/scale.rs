//! Scale benchmark (issue 5): per-call latency of the app's hot reads on a big site.
//!
//! Loads a site to `--users` users and `--courses` courses (default 100,000 and 10,000; each
//! user actively enrolled in `--per-user` courses, default 3), serves it over a real socket and
//! times sequential REST JSON calls of `core_user_get_users_by_field` (by id) and
//! `core_enrol_get_users_courses` (as the app sends it, `returnusercount=0`) for random users,
//! reporting p50 and p99. The same calls are first timed on a small site (1% of the size) in the
//! same run, so the ratio shows whether a call's cost depends on the table sizes, and
//! `core_webservice_get_site_info` (which reads no user or course table) is the baseline.
//!
//! Planner statistics are refreshed after each load (`ANALYZE`), as PostgreSQL's autovacuum does
//! on its own shortly after a large change.
//!
//! Runs on SQLite (a temporary file) and, when `PORTICO_TEST_POSTGRES_URL` is set, on
//! PostgreSQL:
//!
//! ```text
//! PORTICO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo bench -p portico --bench scale -- [--users N] [--courses N] [--per-user N] [--calls N]
//!     [--only sqlite|postgres]
//! ```

use std::time::{Duration, Instant};

use portico_engine::install::{hash_new_password, new_local_user};
use portico_store::model::{Course, User};
use portico_store::{NewCourse, NewEnrolment, Store};
use portico_testkit::TestServer;

/// Sizes of one run.
#[derive(Clone, Copy)]
struct Scale {
    /// Which backends to run: `sqlite`, `postgres` or both (`None`).
    only: Option<&'static str>,
    users: usize,
    courses: usize,
    per_user: usize,
    calls: usize,
}

fn parse_args() -> Scale {
    let mut scale =
        Scale { only: None, users: 100_000, courses: 10_000, per_user: 3, calls: 2_000 };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok()).expect("a number");
        match arg.as_str() {
            "--users" => scale.users = value(),
            "--courses" => scale.courses = value(),
            "--per-user" => scale.per_user = value(),
            "--calls" => scale.calls = value(),
            "--only" => {
                scale.only = match args.next().as_deref() {
                    Some("sqlite") => Some("sqlite"),
                    Some("postgres") => Some("postgres"),
                    other => panic!("--only sqlite|postgres, not {other:?}"),
                }
            }
            // cargo bench passes `--bench`.
            _ => {}
        }
    }
    scale
}

fn main() {
    let scale = parse_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("scale.db").display());
        if scale.only != Some("postgres") {
            run("SQLite", &sqlite, scale).await;
        }
        if scale.only == Some("sqlite") {
            return;
        }
        if let Ok(url) = std::env::var("PORTICO_TEST_POSTGRES_URL") {
            let database = portico_testkit::create_postgres_database(&url).await;
            run("PostgreSQL", &database, scale).await;
            portico_testkit::drop_postgres_database(&url, &database).await;
        } else {
            println!("PostgreSQL: skipped (PORTICO_TEST_POSTGRES_URL is not set)");
        }
    });
}

/// Loads and measures one backend.
async fn run(backend: &str, url: &str, scale: Scale) {
    let store = Store::open(url).await.unwrap();
    store.migrate().await.unwrap();
    let server = TestServer::start(store.clone(), portico_functions::registry()).await;
    let token = server.token(server.admin.id).await;
    let mut site = Loaded { users: Vec::new(), courses: Vec::new() };
    let small = Scale {
        users: (scale.users / 100).max(10),
        courses: (scale.courses / 100).max(2),
        ..scale
    };
    for (label, target) in [("small", small), ("full", scale)] {
        let started = Instant::now();
        site.grow(&server, target).await;
        // After a bulk load PostgreSQL's autovacuum analyses the tables within a minute or so;
        // measuring right away would time plans made without statistics.
        store.analyze().await.unwrap();
        println!(
            "{backend} {label}: {} users, {} courses, {} enrolments each, loaded in {:.1} s",
            site.users.len(),
            site.courses.len(),
            scale.per_user,
            started.elapsed().as_secs_f64()
        );
        server.refresh();
        let baseline =
            measure(&server, &token, scale.calls, |_| ("core_webservice_get_site_info", vec![]))
                .await;
        report(backend, label, "core_webservice_get_site_info", &baseline, &baseline);
        let users = &site.users;
        let by_field = measure(&server, &token, scale.calls, |i| {
            let id = users[pick(i, users.len())].id.to_string();
            (
                "core_user_get_users_by_field",
                vec![("field".to_owned(), "id".to_owned()), ("values[0]".to_owned(), id)],
            )
        })
        .await;
        report(backend, label, "core_user_get_users_by_field", &by_field, &baseline);
        let courses = measure(&server, &token, scale.calls, |i| {
            let id = users[pick(i, users.len())].id.to_string();
            (
                "core_enrol_get_users_courses",
                vec![("userid".to_owned(), id), ("returnusercount".to_owned(), "0".to_owned())],
            )
        })
        .await;
        report(backend, label, "core_enrol_get_users_courses", &courses, &baseline);
    }
    store.close().await;
}

/// What has been loaded so far.
struct Loaded {
    users: Vec<User>,
    courses: Vec<Course>,
}

impl Loaded {
    /// Adds users, courses and enrolments up to `target`.
    async fn grow(&mut self, server: &TestServer, target: Scale) {
        let store = &server.store;
        // One hash for every user: hashing is deliberately slow and not what is measured.
        let hash = hash_new_password("Scale-pass-1").unwrap();
        let first_user = self.users.len();
        for n in first_user..target.users {
            let name = format!("user{n:06}");
            let user =
                new_local_user(&name, hash.clone(), "Scale", &name, &format!("{name}@example.com"));
            self.users.push(store.create_user(&user).await.unwrap());
        }
        // Courses spread over categories of at most 100 courses, as real sites spread them.
        let first_course = self.courses.len();
        let settings = server.node.access.settings().await.unwrap();
        let enrols = portico_functions::support::default_enrols(&settings);
        let mut category = 0;
        for n in first_course..target.courses {
            if n % 100 == 0 || category == 0 {
                category =
                    portico_functions::fixtures::category(store, &format!("Category {n}"), 0)
                        .await
                        .unwrap()
                        .id;
            }
            let course = portico_functions::fixtures::course_row(&format!("C{n:05}"), category);
            let new = NewCourse { course, numsections: 4, format_options: vec![] };
            self.courses.extend(store.create_courses(&[new], &enrols).await.unwrap());
        }
        // Every new user in `per_user` courses spread evenly; manual instances are first.
        let mut batch = Vec::new();
        for (n, user) in self.users.iter().enumerate().skip(first_user) {
            for k in 0..target.per_user {
                let course = &self.courses[(n * 7919 + k * 104_729) % self.courses.len()];
                let manual = store.enrol_instances(course.id).await.unwrap()[0].id;
                batch.push(NewEnrolment {
                    enrolid: manual,
                    userid: user.id,
                    roleid: 5,
                    ..NewEnrolment::default()
                });
            }
            if batch.len() >= 5_000 {
                store.enrol_users(&batch).await.unwrap();
                batch.clear();
            }
        }
        store.enrol_users(&batch).await.unwrap();
    }
}

/// A spread-out index for call `i` among `len`.
fn pick(i: usize, len: usize) -> usize {
    (i.wrapping_mul(2_654_435_761)) % len
}

/// Times `calls` sequential calls built by `call`; every answer must be a success.
async fn measure(
    server: &TestServer,
    token: &str,
    calls: usize,
    call: impl Fn(usize) -> (&'static str, Vec<(String, String)>),
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(calls);
    for i in 0..calls + calls / 10 {
        let (function, args) = call(i);
        let mut form =
            vec![("wstoken", token), ("wsfunction", function), ("moodlewsrestformat", "json")];
        form.extend(args.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let started = Instant::now();
        let response = server.rest(&form).await;
        let body = response.text().await.unwrap();
        let elapsed = started.elapsed();
        assert!(!body.contains("\"exception\""), "{function}: {body}");
        // The first tenth warms caches and connections.
        if i >= calls / 10 {
            times.push(elapsed);
        }
    }
    times.sort();
    times
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn report(backend: &str, label: &str, function: &str, times: &[Duration], baseline: &[Duration]) {
    let (p50, p99) = (percentile(times, 0.5), percentile(times, 0.99));
    println!(
        "{backend} {label:5} {function:32} p50 {p50:6.3} ms  p99 {p99:6.3} ms  ({:.2}× site info p50)",
        p50 / percentile(baseline, 0.5)
    );
}
