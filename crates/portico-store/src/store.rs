//! [`Store`]: the handle the rest of Portico holds, opening, migrating and transactions.
//!
//! A `Store` is cheap to clone (an `Arc`); every clone shares one connection pool and one
//! statement cache. Repositories are `impl Store` blocks in their own modules. This module must
//! never contain statements about a particular table other than the schema bookkeeping.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::change::ChangeFeed;
use crate::db::{Backend, Conn, Sql, args, map_error};
use crate::error::StoreError;
use crate::schema::{self, MIGRATIONS};

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Table prefix, Moodle's `$CFG->prefix`; lowercase letters, digits and `_`, not empty.
    pub prefix: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long to wait for a connection (or for the server to answer at all) before reporting
    /// [`StoreError::Unavailable`].
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            prefix: "mdl_".to_owned(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The outcome of [`Store::migrate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Schema version before.
    pub from: i64,
    /// Schema version after.
    pub to: i64,
    /// Versions applied now, in order.
    pub applied: Vec<i64>,
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) pool: Pool,
    pub(crate) sql: Sql,
    pub(crate) feed: Mutex<Option<ChangeFeed>>,
}

/// The persistence handle: cheap to clone, safe to share between tasks.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

impl Store {
    /// Opens the database at `url` (`sqlite://path`, `postgres://...`) with default options.
    ///
    /// A SQLite file is created if missing. The schema is not touched: call [`Store::migrate`].
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, StoreOptions::default()).await
    }

    /// Opens the database at `url` with `options`.
    pub async fn open_with(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let prefix_ok = !options.prefix.is_empty()
            && options
                .prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !prefix_ok {
            return Err(StoreError::Invalid {
                what: "table prefix",
                detail: format!("{:?} must be lowercase letters, digits or _", options.prefix),
            });
        }
        let max_connections = options.max_connections.max(1);
        let (pool, backend) = if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)
                .map_err(|error| map_error("database url", error))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(false);
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(|error| map_error("database", error))?;
            (Pool::Sqlite(pool), Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let connect = PgConnectOptions::from_str(url)
                .map_err(|error| map_error("database url", error))?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(|error| map_error("database", error))?;
            (Pool::Postgres(pool), Backend::Postgres)
        } else {
            return Err(StoreError::Invalid {
                what: "database url",
                detail: "expected sqlite://path or postgres://...".to_owned(),
            });
        };
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                sql: Sql::new(backend, &options.prefix),
                feed: Mutex::new(None),
            }),
        })
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.inner.sql.backend()
    }

    /// The table prefix.
    pub fn prefix(&self) -> &str {
        self.inner.sql.prefix()
    }

    /// The newest schema version this program knows.
    pub fn latest_schema_version() -> i64 {
        MIGRATIONS.last().map_or(0, |migration| migration.version)
    }

    /// The schema version of the database (0 for an empty one).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let mut conn = self.conn().await?;
        self.ensure_version_table(&mut conn).await?;
        self.read_version(&mut conn).await
    }

    /// Brings the schema up to date; applying it to an up-to-date database does nothing.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        self.migrate_to(Store::latest_schema_version()).await
    }

    /// Applies migrations up to `target` only (for upgrade tests and staged rollouts).
    ///
    /// Each migration runs in its own transaction together with its bookkeeping row, so a failed
    /// migration leaves the database at the previous version. Run one migrator at a time: a
    /// second one racing it fails its transaction (an error, never a half-applied version).
    pub async fn migrate_to(&self, target: i64) -> Result<MigrationReport, StoreError> {
        let from = {
            let mut conn = self.conn().await?;
            self.ensure_version_table(&mut conn).await?;
            self.read_version(&mut conn).await?
        };
        let latest = Store::latest_schema_version();
        if from > latest {
            return Err(StoreError::SchemaTooNew { found: from, supported: latest });
        }
        let mut applied = Vec::new();
        for migration in MIGRATIONS.iter().filter(|m| m.version > from && m.version <= target) {
            let mut tx = self.begin().await?;
            schema::apply(&mut tx, &self.inner.sql, migration, now()).await?;
            tx.commit().await?;
            applied.push(migration.version);
        }
        let to = applied.last().copied().unwrap_or(from);
        Ok(MigrationReport { from, to, applied })
    }

    async fn ensure_version_table(&self, conn: &mut Conn) -> Result<(), StoreError> {
        let create = self.inner.sql.rewrite(schema::SCHEMA_VERSION_TABLE);
        conn.execute("schema", &create.into(), vec![]).await?;
        Ok(())
    }

    async fn read_version(&self, conn: &mut Conn) -> Result<i64, StoreError> {
        let sql = self.sql("SELECT MAX(version) AS version FROM {portico_schema_version}");
        let row = conn.fetch_optional("schema", &sql, args![]).await?;
        match row {
            Some(row) => Ok(row.opt_int("version")?.unwrap_or(0)),
            None => Ok(0),
        }
    }

    /// The statement `sql` rewritten for this store.
    pub(crate) fn sql(&self, sql: &'static str) -> Arc<str> {
        self.inner.sql.prepare(sql, false)
    }

    /// The `INSERT` statement `sql` rewritten for this store, returning the new id.
    pub(crate) fn insert_sql(&self, sql: &'static str) -> Arc<str> {
        self.inner.sql.prepare(sql, true)
    }

    /// A pooled connection, for reads and single-statement writes.
    pub(crate) async fn conn(&self) -> Result<Conn, StoreError> {
        match &self.inner.pool {
            Pool::Sqlite(pool) => {
                pool.acquire().await.map(Conn::Sqlite).map_err(|e| map_error("connection", e))
            }
            Pool::Postgres(pool) => {
                pool.acquire().await.map(Conn::Postgres).map_err(|e| map_error("connection", e))
            }
        }
    }

    /// A write transaction; dropped without [`Conn::commit`] it rolls back.
    pub(crate) async fn begin(&self) -> Result<Conn, StoreError> {
        match &self.inner.pool {
            // IMMEDIATE takes the write lock up front, so two writers wait for each other (within
            // busy_timeout) instead of failing when a read lock cannot be upgraded.
            Pool::Sqlite(pool) => pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map(Conn::SqliteTx)
                .map_err(|e| map_error("transaction", e)),
            Pool::Postgres(pool) => {
                pool.begin().await.map(Conn::PostgresTx).map_err(|e| map_error("transaction", e))
            }
        }
    }

    /// Refreshes the query planner's statistics (`ANALYZE`) on either backend. PostgreSQL's
    /// autovacuum does this on its own a while after a large change; a bulk load that is to be
    /// queried at once (a benchmark, an import) calls it so that plans fit the data from the start.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        let sql: Arc<str> = Arc::from("ANALYZE");
        self.conn().await?.execute("statistics", &sql, vec![]).await?;
        Ok(())
    }

    /// Closes every pooled connection; other clones of this store stop working.
    pub async fn close(&self) {
        match &self.inner.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// The current Unix time in seconds.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}
