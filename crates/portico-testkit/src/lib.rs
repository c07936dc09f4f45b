//! Test support for Portico: fresh, migrated databases on both backends.
//!
//! [`backend_test!`] writes one test text that runs twice: `<name>::sqlite` on a temporary file
//! and `<name>::postgres` on a fresh database `portico_test_<random>` created from the server in
//! `PORTICO_TEST_POSTGRES_URL` and dropped afterwards. Without that variable the PostgreSQL
//! variant prints that it was skipped and passes, unless `PORTICO_REQUIRE_POSTGRES=1` (CI).
//!
//! With the `server` feature, [`server::TestServer`] serves a freshly installed site over HTTP on
//! `127.0.0.1:0`.
//!
//! This crate is a dev-dependency only; it must never be used by production code.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};

use portico_store::Store;
use sqlx::{Connection, PgConnection};

/// The variable naming the PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_URL_VAR: &str = "PORTICO_TEST_POSTGRES_URL";
/// Set to `1` to make a missing PostgreSQL a failure instead of a skip.
pub const REQUIRE_POSTGRES_VAR: &str = "PORTICO_REQUIRE_POSTGRES";

#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub use server::TestServer;

tokio::task_local! {
    static CURRENT_URL: String;
}

/// Runs `body` twice, as `<name>::sqlite` and `<name>::postgres`, each with a fresh migrated
/// [`Store`]:
///
/// ```
/// use portico_store::Store;
/// use portico_testkit::backend_test;
///
/// backend_test!(config_round_trips, |store: Store| async move {
///     store.set_config("sitename", "Portico").await.unwrap();
/// });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! backend_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                $crate::run_sqlite(stringify!($name), $body);
            }

            #[test]
            fn postgres() {
                $crate::run_postgres(stringify!($name), $body);
            }
        }
    };
}

/// Opens another handle on the database of the running test (for multi-node tests). Only
/// valid inside the body of a [`backend_test!`].
pub async fn open_another() -> Store {
    Store::open(&current_url()).await.expect("the test database opens a second time")
}

/// The database URL of the running test. Only valid inside the body of a [`backend_test!`].
pub fn current_url() -> String {
    CURRENT_URL
        .try_with(Clone::clone)
        .expect("the test database URL is only known inside a backend_test! body")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a test needs a Tokio runtime")
}

/// Runs `body` on a fresh migrated SQLite database in a temporary directory.
pub fn run_sqlite<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("a temporary directory for the test database");
    let url = format!("sqlite://{}", dir.path().join(format!("{name}.db")).display());
    let outcome = runtime().block_on(async {
        let store = Store::open(&url).await.expect("the SQLite test database opens");
        store.migrate().await.expect("migrations apply to an empty SQLite database");
        let outcome = tokio::spawn(CURRENT_URL.scope(url.clone(), body(store.clone()))).await;
        store.close().await;
        outcome
    });
    drop(dir);
    if let Err(error) = outcome {
        if error.is_panic() {
            panic::resume_unwind(error.into_panic());
        }
        panic!("test {name} was cancelled");
    }
}

/// Runs `body` on a fresh migrated PostgreSQL database, or reports the test as skipped.
pub fn run_postgres<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server) = std::env::var(POSTGRES_URL_VAR).ok().filter(|url| !url.is_empty()) else {
        if std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|value| value == "1") {
            panic!("PostgreSQL test {name} cannot run: {POSTGRES_URL_VAR} is not set");
        }
        println!("skipped: PostgreSQL test {name} (set {POSTGRES_URL_VAR})");
        return;
    };
    let database = format!("portico_test_{:016x}", random());
    let url = with_database(&server, &database);
    let outcome = runtime().block_on(async {
        let mut admin =
            PgConnection::connect(&server).await.expect("the PostgreSQL test server is reachable");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&mut admin)
            .await
            .expect("the test database can be created");
        let store = Store::open(&url).await.expect("the PostgreSQL test database opens");
        store.migrate().await.expect("migrations apply to an empty PostgreSQL database");
        let outcome = tokio::spawn(CURRENT_URL.scope(url.clone(), body(store.clone()))).await;
        store.close().await;
        // Best effort: a leftover database only costs disk space.
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
        outcome
    });
    if let Err(error) = outcome {
        if error.is_panic() {
            panic::resume_unwind(error.into_panic());
        }
        panic!("test {name} was cancelled");
    }
}

/// Creates an empty database on the PostgreSQL server `server` (a URL) and returns its URL,
/// for benchmarks that manage their own store; drop it with [`drop_postgres_database`].
pub async fn create_postgres_database(server: &str) -> String {
    let database = format!("portico_bench_{:016x}", random());
    let mut admin =
        PgConnection::connect(server).await.expect("the PostgreSQL server is reachable");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await
        .expect("the database can be created");
    with_database(server, &database)
}

/// Drops the database of `url` made by [`create_postgres_database`] on `server`.
pub async fn drop_postgres_database(server: &str, url: &str) {
    let database = url.rsplit('/').next().unwrap_or_default().split('?').next().unwrap_or_default();
    let mut admin =
        PgConnection::connect(server).await.expect("the PostgreSQL server is reachable");
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let host_end = base[authority_start..].find('/').map_or(base.len(), |at| authority_start + at);
    format!("{}/{database}{query}", &base[..host_end])
}

fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_the_path() {
        let check = |url: &str, expected: &str| assert_eq!(with_database(url, "x"), expected);
        check("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/x");
        check("postgres://h", "postgres://h/x");
        check("postgres://h/db?sslmode=disable", "postgres://h/x?sslmode=disable");
    }
}
