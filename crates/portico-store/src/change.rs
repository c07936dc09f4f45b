//! The change feed: who must forget what they cached.
//!
//! Every write that can change an access decision appends a row to `portico_change_log` in the
//! same transaction (and, on PostgreSQL, sends `NOTIFY portico_changes, '<kind>:<key>'`, delivered
//! at commit). [`Store::changes`] reports those changes to this process, whichever process made
//! them: on PostgreSQL by `LISTEN`, on SQLite by polling the log every 200 ms.
//!
//! The feed tells what changed, never the new value, and never carries a secret: tokens are named
//! by id. When changes may have been missed (a lost PostgreSQL connection, a slow receiver) the
//! feed reports [`ChangeKind::Resync`]: forget everything. This module must never decide what a
//! change means for a cache; `portico-access` does.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use crate::db::{Arg, Backend, Conn, args};
use crate::error::StoreError;
use crate::store::{Inner, Pool, Store, now};

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "portico_changes";

const POLL_INTERVAL: Duration = Duration::from_millis(200);
const BUFFER: usize = 1024;

/// What kind of record changed; its key says which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A token changed or was deleted; key: `external_tokens.id`.
    Token,
    /// A user changed (suspended, deleted, password, auth, ...); key: `user.id`.
    User,
    /// A site setting changed; key: `config.name`, or `plugin/name` for `config_plugins`.
    Config,
    /// A service changed or was deleted, or its function list changed; key: `external_services.id`.
    Service,
    /// An external function was registered or changed; key: `external_functions.name`.
    Function,
    /// An authorised user of a service changed; key: `<serviceid>:<userid>`.
    ServiceUser,
    /// A role's permissions changed; key: `role.id`.
    Role,
    /// A user's role assignments changed; key: `user.id`.
    RoleAssignment,
    /// A context changed (created, moved, locked); key: `context.id`.
    Context,
    /// Changes may have been missed: forget everything. Key is empty.
    Resync,
}

impl ChangeKind {
    /// The stored name of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Token => "token",
            ChangeKind::User => "user",
            ChangeKind::Config => "config",
            ChangeKind::Service => "service",
            ChangeKind::Function => "function",
            ChangeKind::ServiceUser => "serviceuser",
            ChangeKind::Role => "role",
            ChangeKind::RoleAssignment => "roleassignment",
            ChangeKind::Context => "context",
            ChangeKind::Resync => "resync",
        }
    }

    /// The kind stored as `name`; an unknown name (from a newer Portico) reads as `Resync`.
    pub fn parse(name: &str) -> ChangeKind {
        match name {
            "token" => ChangeKind::Token,
            "user" => ChangeKind::User,
            "config" => ChangeKind::Config,
            "service" => ChangeKind::Service,
            "function" => ChangeKind::Function,
            "serviceuser" => ChangeKind::ServiceUser,
            "role" => ChangeKind::Role,
            "roleassignment" => ChangeKind::RoleAssignment,
            "context" => ChangeKind::Context,
            _ => ChangeKind::Resync,
        }
    }
}

/// One reported change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Change {
    /// What kind of record changed.
    pub kind: ChangeKind,
    /// Which one (see [`ChangeKind`]).
    pub key: String,
}

impl Change {
    fn resync() -> Change {
        Change { kind: ChangeKind::Resync, key: String::new() }
    }

    /// Parses a notification payload `<kind>:<key>`.
    fn from_payload(payload: &str) -> Change {
        match payload.split_once(':') {
            Some((kind, key)) => Change { kind: ChangeKind::parse(kind), key: key.to_owned() },
            None => Change::resync(),
        }
    }
}

/// Receives the changes reported after it was created; from [`Store::changes`].
#[derive(Debug)]
pub struct ChangeReceiver {
    receiver: broadcast::Receiver<Change>,
}

impl ChangeReceiver {
    /// The next change; waits for one. A receiver that fell behind gets [`ChangeKind::Resync`].
    /// Returns `None` once the feed has stopped (the store was closed).
    pub async fn recv(&mut self) -> Option<Change> {
        match self.receiver.recv().await {
            Ok(change) => Some(change),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Change::resync()),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// The running feed of one store: the sender its background task publishes to.
#[derive(Debug)]
pub(crate) struct ChangeFeed {
    sender: broadcast::Sender<Change>,
}

impl Store {
    /// Subscribes to the change feed; the first subscriber starts the background listener.
    ///
    /// Changes made before this call are not reported. Must be called inside a Tokio runtime.
    /// The listener stops when its last receiver is dropped.
    pub async fn changes(&self) -> Result<ChangeReceiver, StoreError> {
        {
            let feed = self.inner.feed.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(feed) = feed.as_ref() {
                return Ok(ChangeReceiver { receiver: feed.sender.subscribe() });
            }
        }
        let (sender, receiver) = broadcast::channel(BUFFER);
        match &self.inner.pool {
            Pool::Sqlite(_) => {
                let cursor = self.latest_change_id().await?;
                tokio::spawn(poll_sqlite(self.inner.clone(), sender.clone(), cursor));
            }
            Pool::Postgres(pool) => {
                let mut listener =
                    PgListener::connect_with(pool).await.map_err(|e| map_listen_error(&e))?;
                listener.listen(CHANNEL).await.map_err(|e| map_listen_error(&e))?;
                tokio::spawn(listen_postgres(self.inner.clone(), sender.clone(), listener));
            }
        }
        let mut feed = self.inner.feed.lock().unwrap_or_else(|e| e.into_inner());
        match feed.as_ref() {
            // Another caller started a feed meanwhile: use it; ours stops with no receivers.
            Some(existing) => Ok(ChangeReceiver { receiver: existing.sender.subscribe() }),
            None => {
                *feed = Some(ChangeFeed { sender });
                Ok(ChangeReceiver { receiver })
            }
        }
    }

    async fn latest_change_id(&self) -> Result<i64, StoreError> {
        let sql = self.sql("SELECT MAX(id) AS id FROM {portico_change_log}");
        let row = self.conn().await?.fetch_optional("change", &sql, args![]).await?;
        Ok(match row {
            Some(row) => row.opt_int("id")?.unwrap_or(0),
            None => 0,
        })
    }

    /// The change log rows after `after`, oldest first (for tools and tests).
    pub async fn change_log_since(
        &self,
        after: i64,
    ) -> Result<Vec<crate::model::PorticoChangeLog>, StoreError> {
        let sql = self.sql(
            "SELECT id, kind, key, timecreated FROM {portico_change_log} WHERE id > ? ORDER BY id",
        );
        let rows = self.conn().await?.fetch_all("change", &sql, args![after]).await?;
        rows.iter()
            .map(|row| {
                Ok(crate::model::PorticoChangeLog {
                    id: row.int("id")?,
                    kind: row.text("kind")?,
                    key: row.text("key")?,
                    timecreated: row.int("timecreated")?,
                })
            })
            .collect()
    }

    /// Deletes change log rows older than `before` (Unix time); returns how many.
    pub async fn prune_change_log(&self, before: i64) -> Result<u64, StoreError> {
        let sql = self.sql("DELETE FROM {portico_change_log} WHERE timecreated < ?");
        self.conn().await?.execute("change", &sql, args![before]).await
    }

    /// Appends a change inside the transaction `tx`; reported once `tx` commits.
    pub(crate) async fn record_change(
        &self,
        tx: &mut Conn,
        kind: ChangeKind,
        key: impl ToString,
    ) -> Result<(), StoreError> {
        let key = key.to_string();
        let sql =
            self.sql("INSERT INTO {portico_change_log} (kind, key, timecreated) VALUES (?, ?, ?)");
        tx.execute("change", &sql, args![kind.as_str(), key.as_str(), now()]).await?;
        if self.backend() == Backend::Postgres {
            let notify = self.sql("SELECT pg_notify(?, ?)");
            let payload = format!("{}:{}", kind.as_str(), key);
            tx.fetch_optional("change", &notify, vec![Arg::from(CHANNEL), Arg::from(payload)])
                .await?;
        }
        Ok(())
    }
}

fn map_listen_error(error: &sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot listen for changes: {error}"))
}

/// Whether the feed should stop: the store was closed, or no receiver is left. A stopping feed
/// is unregistered under the lock, so that no new receiver can subscribe to it meanwhile.
fn should_stop(inner: &Inner, sender: &broadcast::Sender<Change>) -> bool {
    let mut feed = inner.feed.lock().unwrap_or_else(|e| e.into_inner());
    let closed = match &inner.pool {
        Pool::Sqlite(pool) => pool.is_closed(),
        Pool::Postgres(pool) => pool.is_closed(),
    };
    if !closed && sender.receiver_count() > 0 {
        return false;
    }
    if feed.as_ref().is_some_and(|current| current.sender.same_channel(sender)) {
        *feed = None;
    }
    true
}

async fn poll_sqlite(inner: Arc<Inner>, sender: broadcast::Sender<Change>, mut cursor: i64) {
    let store = Store { inner };
    loop {
        tokio::time::sleep(POLL_INTERVAL).await;
        if should_stop(&store.inner, &sender) {
            return;
        }
        match store.change_log_since(cursor).await {
            Ok(rows) => {
                for row in rows {
                    cursor = row.id;
                    let _ =
                        sender.send(Change { kind: ChangeKind::parse(&row.kind), key: row.key });
                }
            }
            // The database being briefly locked or unreachable delays the report; the cursor
            // keeps its place, so nothing is lost.
            Err(_) => continue,
        }
    }
}

async fn listen_postgres(
    inner: Arc<Inner>,
    sender: broadcast::Sender<Change>,
    mut listener: PgListener,
) {
    loop {
        if should_stop(&inner, &sender) {
            return;
        }
        let next = tokio::select! {
            // Every receiver is gone: check again under the lock, then stop or carry on.
            () = sender.closed() => continue,
            next = listener.try_recv() => next,
        };
        match next {
            Ok(Some(notification)) => {
                let _ = sender.send(Change::from_payload(notification.payload()));
            }
            // The connection was lost and is re-established on the next call; whatever was
            // notified meanwhile is lost, so receivers must forget everything.
            Ok(None) => {
                let _ = sender.send(Change::resync());
            }
            // The listener holds a pooled connection: a closing pool waits for it, so stop.
            Err(sqlx::Error::PoolClosed) => {
                should_stop(&inner, &sender);
                return;
            }
            Err(_) => {
                let _ = sender.send(Change::resync());
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }
    }
}
