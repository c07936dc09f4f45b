//! The thin adapter over sqlx shared by both backends.
//!
//! Statements are written once, in one dialect: `?` placeholders and `{tablename}` table names, as
//! Moodle writes them. [`Sql`] rewrites each statement once per [`crate::Store`] (table prefix, and
//! `$n` placeholders on PostgreSQL) and caches the result. [`Conn`] runs a statement on a pooled
//! connection or inside a transaction; [`Row`] reads columns whatever integer width the backend
//! chose (Moodle's PostgreSQL schema uses `smallint` for `int(1)` columns).
//!
//! This module owns error translation from sqlx to [`StoreError`]. It must never contain table
//! knowledge: repositories own their statements.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Postgres, Row as _, Sqlite, Transaction};

use crate::error::StoreError;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Int(Some(value))
    }
}

impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Self {
        Arg::Int(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(Some(value.to_owned()))
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Text(Some(value.clone()))
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(Some(value))
    }
}

impl From<&Option<String>> for Arg {
    fn from(value: &Option<String>) -> Self {
        Arg::Text(value.clone())
    }
}

impl From<Option<&str>> for Arg {
    fn from(value: Option<&str>) -> Self {
        Arg::Text(value.map(str::to_owned))
    }
}

/// Builds a `Vec<Arg>` from values convertible into [`Arg`].
macro_rules! args {
    ($($value:expr),* $(,)?) => { vec![$($crate::db::Arg::from($value)),*] };
}
pub(crate) use args;

/// Statement rewriting for one store: table prefix and placeholder style, done once per statement.
#[derive(Debug)]
pub(crate) struct Sql {
    backend: Backend,
    prefix: String,
    cache: RwLock<HashMap<(usize, bool), Arc<str>>>,
}

impl Sql {
    pub(crate) fn new(backend: Backend, prefix: &str) -> Sql {
        Sql { backend, prefix: prefix.to_owned(), cache: RwLock::new(HashMap::new()) }
    }

    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The statement `sql` for this store; `returning_id` appends what returns the new row's id.
    pub(crate) fn prepare(&self, sql: &'static str, returning_id: bool) -> Arc<str> {
        // Statements are `'static` literals, so the address identifies the text.
        let key = (sql.as_ptr() as usize, returning_id);
        if let Some(found) = self.cache.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return found.clone();
        }
        let mut text = self.rewrite(sql);
        if returning_id && self.backend == Backend::Postgres {
            text.push_str(" RETURNING id");
        }
        let text: Arc<str> = text.into();
        self.cache.write().unwrap_or_else(|e| e.into_inner()).insert(key, text.clone());
        text
    }

    /// Substitutes `{name}` by the prefixed table name and, on PostgreSQL, `?` by `$1`, `$2`, ...
    /// Quoted strings are copied untouched.
    pub(crate) fn rewrite(&self, sql: &str) -> String {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut placeholder = 0;
        let mut chars = sql.chars().peekable();
        let mut in_quote = false;
        while let Some(c) = chars.next() {
            if in_quote {
                out.push(c);
                if c == '\'' {
                    in_quote = false;
                }
                continue;
            }
            match c {
                '\'' => {
                    in_quote = true;
                    out.push(c);
                }
                '?' if self.backend == Backend::Postgres => {
                    placeholder += 1;
                    out.push('$');
                    out.push_str(&placeholder.to_string());
                }
                '{' => {
                    let mut name = String::new();
                    while let Some(&next) = chars.peek() {
                        chars.next();
                        if next == '}' {
                            break;
                        }
                        name.push(next);
                    }
                    out.push_str(&self.prefix);
                    out.push_str(&name);
                }
                _ => out.push(c),
            }
        }
        out
    }
}

/// A connection taken from the pool, or an open transaction.
pub(crate) enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    SqliteTx(Transaction<'static, Sqlite>),
    Postgres(PoolConnection<Postgres>),
    PostgresTx(Transaction<'static, Postgres>),
}

enum Raw<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// A result row of either backend.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

fn bind_sqlite<'q>(
    mut query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    for arg in args {
        query = match arg {
            Arg::Int(value) => query.bind(value),
            Arg::Text(value) => query.bind(value),
        };
    }
    query
}

fn bind_postgres<'q>(
    mut query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    for arg in args {
        query = match arg {
            Arg::Int(value) => query.bind(value),
            Arg::Text(value) => query.bind(value),
        };
    }
    query
}

impl Conn {
    fn raw(&mut self) -> Raw<'_> {
        match self {
            Conn::Sqlite(conn) => Raw::Sqlite(conn),
            Conn::SqliteTx(tx) => Raw::Sqlite(tx),
            Conn::Postgres(conn) => Raw::Postgres(conn),
            Conn::PostgresTx(tx) => Raw::Postgres(tx),
        }
    }

    /// Runs a statement; returns the number of rows affected.
    pub(crate) async fn execute(
        &mut self,
        entity: &'static str,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<u64, StoreError> {
        let query = AssertSqlSafe(sql.clone());
        let result = match self.raw() {
            Raw::Sqlite(conn) => bind_sqlite(sqlx::query(query), args)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()),
            Raw::Postgres(conn) => bind_postgres(sqlx::query(query), args)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()),
        };
        result.map_err(|error| map_error(entity, error))
    }

    /// Runs an `INSERT` prepared with `returning_id`; returns the new row's id.
    pub(crate) async fn insert(
        &mut self,
        entity: &'static str,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<i64, StoreError> {
        let query = AssertSqlSafe(sql.clone());
        let result = match self.raw() {
            Raw::Sqlite(conn) => bind_sqlite(sqlx::query(query), args)
                .execute(conn)
                .await
                .map(|done| done.last_insert_rowid()),
            Raw::Postgres(conn) => {
                match bind_postgres(sqlx::query(query), args).fetch_one(conn).await {
                    Ok(row) => row.try_get::<i64, _>(0),
                    Err(error) => Err(error),
                }
            }
        };
        result.map_err(|error| map_error(entity, error))
    }

    /// Runs a query; returns every row.
    pub(crate) async fn fetch_all(
        &mut self,
        entity: &'static str,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<Vec<Row>, StoreError> {
        let query = AssertSqlSafe(sql.clone());
        let result = match self.raw() {
            Raw::Sqlite(conn) => bind_sqlite(sqlx::query(query), args)
                .fetch_all(conn)
                .await
                .map(|rows| rows.into_iter().map(Row::Sqlite).collect()),
            Raw::Postgres(conn) => bind_postgres(sqlx::query(query), args)
                .fetch_all(conn)
                .await
                .map(|rows| rows.into_iter().map(Row::Postgres).collect()),
        };
        result.map_err(|error| map_error(entity, error))
    }

    /// Runs a query; returns its first row, if any.
    pub(crate) async fn fetch_optional(
        &mut self,
        entity: &'static str,
        sql: &Arc<str>,
        args: Vec<Arg>,
    ) -> Result<Option<Row>, StoreError> {
        let query = AssertSqlSafe(sql.clone());
        let result = match self.raw() {
            Raw::Sqlite(conn) => bind_sqlite(sqlx::query(query), args)
                .fetch_optional(conn)
                .await
                .map(|row| row.map(Row::Sqlite)),
            Raw::Postgres(conn) => bind_postgres(sqlx::query(query), args)
                .fetch_optional(conn)
                .await
                .map(|row| row.map(Row::Postgres)),
        };
        result.map_err(|error| map_error(entity, error))
    }

    /// Commits a transaction; a plain connection has nothing to commit.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        let result = match self {
            Conn::SqliteTx(tx) => tx.commit().await,
            Conn::PostgresTx(tx) => tx.commit().await,
            Conn::Sqlite(_) | Conn::Postgres(_) => Ok(()),
        };
        result.map_err(|error| map_error("transaction", error))
    }
}

impl Row {
    /// An integer column, whatever its width.
    pub(crate) fn int(&self, column: &str) -> Result<i64, StoreError> {
        self.opt_int(column)?
            .ok_or_else(|| StoreError::Internal(format!("column {column} is unexpectedly null")))
    }

    /// A nullable integer column, whatever its width.
    pub(crate) fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        match self {
            Row::Sqlite(row) => row.try_get::<Option<i64>, _>(column).map_err(decode_error),
            Row::Postgres(row) => {
                if let Ok(value) = row.try_get::<Option<i64>, _>(column) {
                    return Ok(value);
                }
                if let Ok(value) = row.try_get::<Option<i32>, _>(column) {
                    return Ok(value.map(i64::from));
                }
                row.try_get::<Option<i16>, _>(column)
                    .map(|value| value.map(i64::from))
                    .map_err(decode_error)
            }
        }
    }

    /// A text column; null reads as the empty string.
    pub(crate) fn text(&self, column: &str) -> Result<String, StoreError> {
        Ok(self.opt_text(column)?.unwrap_or_default())
    }

    /// A nullable text column.
    pub(crate) fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        match self {
            Row::Sqlite(row) => row.try_get::<Option<String>, _>(column).map_err(decode_error),
            Row::Postgres(row) => row.try_get::<Option<String>, _>(column).map_err(decode_error),
        }
    }
}

fn decode_error(error: sqlx::Error) -> StoreError {
    StoreError::Internal(error.to_string())
}

/// Translates an sqlx error into a [`StoreError`] about `entity`.
pub(crate) fn map_error(entity: &'static str, error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(database) => {
            use sqlx::error::ErrorKind;
            match database.kind() {
                ErrorKind::UniqueViolation => StoreError::Conflict { entity },
                ErrorKind::ForeignKeyViolation
                | ErrorKind::NotNullViolation
                | ErrorKind::CheckViolation => {
                    StoreError::Invalid { what: entity, detail: database.message().to_owned() }
                }
                _ => {
                    let message = database.message().to_owned();
                    // SQLite reports lock contention that outlasted busy_timeout as "database is
                    // locked"; callers may retry, like any other unavailability.
                    if message.contains("database is locked") || message.contains("busy") {
                        StoreError::Unavailable(message)
                    } else {
                        StoreError::Internal(message)
                    }
                }
            }
        }
        sqlx::Error::RowNotFound => StoreError::NotFound { entity, id: 0 },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => StoreError::Unavailable(error.to_string()),
        sqlx::Error::Configuration(_) => {
            StoreError::Invalid { what: "database configuration", detail: error.to_string() }
        }
        other => StoreError::Internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(backend: Backend, prefix: &str, sql: &str, expected: &str) {
        assert_eq!(Sql::new(backend, prefix).rewrite(sql), expected);
    }

    #[test]
    fn rewrite_substitutes_prefix_and_placeholders() {
        check(
            Backend::Postgres,
            "mdl_",
            "SELECT id FROM {user} WHERE username = ? AND auth <> '?' AND id = ?",
            "SELECT id FROM mdl_user WHERE username = $1 AND auth <> '?' AND id = $2",
        );
        check(
            Backend::Sqlite,
            "x_",
            "SELECT id FROM {user} WHERE username = ?",
            "SELECT id FROM x_user WHERE username = ?",
        );
        check(Backend::Postgres, "mdl_", "VALUES ('{a}')", "VALUES ('{a}')");
    }
}
