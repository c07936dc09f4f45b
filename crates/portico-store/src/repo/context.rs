//! Contexts: the tree of system, categories, courses, users, modules and blocks.
//!
//! A context's `path` is the chain of context ids from the system context (`/1/3/20`) and its
//! `depth` the number of elements in it; both are computed here when a context is created. This
//! module must never resolve capabilities: it only stores the tree.

use crate::change::ChangeKind;
use crate::db::{Conn, Row, args};
use crate::error::StoreError;
use crate::model::{CONTEXT_SYSTEM, Context};
use crate::store::Store;

fn context_from(row: &Row) -> Result<Context, StoreError> {
    Ok(Context {
        id: row.int("id")?,
        contextlevel: row.int("contextlevel")?,
        instanceid: row.int("instanceid")?,
        path: row.opt_text("path")?,
        depth: row.int("depth")?,
        locked: row.int("locked")?,
    })
}

impl Store {
    /// The system context.
    pub async fn system_context(&self) -> Result<Context, StoreError> {
        self.context_by_instance(CONTEXT_SYSTEM, 0)
            .await?
            .ok_or(StoreError::NotFound { entity: "context", id: 0 })
    }

    /// The context with `id`.
    pub async fn context_by_id(&self, id: i64) -> Result<Option<Context>, StoreError> {
        let sql = self.sql(
            "SELECT id, contextlevel, instanceid, path, depth, locked FROM {context} WHERE id = ?",
        );
        let row = self.conn().await?.fetch_optional("context", &sql, args![id]).await?;
        row.as_ref().map(context_from).transpose()
    }

    /// The context of level `contextlevel` for instance `instanceid`.
    pub async fn context_by_instance(
        &self,
        contextlevel: i64,
        instanceid: i64,
    ) -> Result<Option<Context>, StoreError> {
        let mut conn = self.conn().await?;
        self.context_by_instance_in(&mut conn, contextlevel, instanceid).await
    }

    pub(crate) async fn context_by_instance_in(
        &self,
        conn: &mut Conn,
        contextlevel: i64,
        instanceid: i64,
    ) -> Result<Option<Context>, StoreError> {
        let sql = self.sql(
            "SELECT id, contextlevel, instanceid, path, depth, locked FROM {context} \
             WHERE contextlevel = ? AND instanceid = ?",
        );
        let row = conn.fetch_optional("context", &sql, args![contextlevel, instanceid]).await?;
        row.as_ref().map(context_from).transpose()
    }

    /// Creates the context of level `contextlevel` for `instanceid` below the context `parent`
    /// (the system context when `None`); a second context for the same instance is a
    /// [`StoreError::Conflict`].
    pub async fn create_context(
        &self,
        contextlevel: i64,
        instanceid: i64,
        parent: Option<i64>,
    ) -> Result<Context, StoreError> {
        let mut tx = self.begin().await?;
        let context = self.create_context_in(&mut tx, contextlevel, instanceid, parent).await?;
        tx.commit().await?;
        Ok(context)
    }

    /// Creates a context inside the transaction `tx`.
    pub(crate) async fn create_context_in(
        &self,
        tx: &mut Conn,
        contextlevel: i64,
        instanceid: i64,
        parent: Option<i64>,
    ) -> Result<Context, StoreError> {
        if contextlevel == CONTEXT_SYSTEM {
            return Err(StoreError::Conflict { entity: "context" });
        }
        let parent = match parent {
            Some(id) => {
                let sql = self.sql(
                    "SELECT id, contextlevel, instanceid, path, depth, locked FROM {context} \
                     WHERE id = ?",
                );
                let row = tx.fetch_optional("context", &sql, args![id]).await?;
                row.as_ref()
                    .map(context_from)
                    .transpose()?
                    .ok_or(StoreError::NotFound { entity: "context", id })?
            }
            None => self
                .context_by_instance_in(tx, CONTEXT_SYSTEM, 0)
                .await?
                .ok_or(StoreError::NotFound { entity: "context", id: 0 })?,
        };
        let parent_path = parent.path.clone().unwrap_or_else(|| format!("/{}", parent.id));
        let insert = self.insert_sql(
            "INSERT INTO {context} (contextlevel, instanceid, path, depth, locked) \
             VALUES (?, ?, NULL, ?, 0)",
        );
        let depth = parent.depth + 1;
        let id = tx.insert("context", &insert, args![contextlevel, instanceid, depth]).await?;
        let path = format!("{parent_path}/{id}");
        let update = self.sql("UPDATE {context} SET path = ? WHERE id = ?");
        tx.execute("context", &update, args![path.as_str(), id]).await?;
        self.record_change(tx, ChangeKind::Context, id).await?;
        Ok(Context { id, contextlevel, instanceid, path: Some(path), depth, locked: 0 })
    }

    /// The contexts on the chain of `context`, from the system context down to it; the ids are
    /// read from its `path`.
    pub async fn context_chain(&self, context: &Context) -> Result<Vec<Context>, StoreError> {
        let mut chain = Vec::new();
        let path = context.path.clone().unwrap_or_default();
        for part in path.split('/').filter(|part| !part.is_empty()) {
            let Ok(id) = part.parse::<i64>() else {
                return Err(StoreError::Invalid { what: "context path", detail: path.clone() });
            };
            match self.context_by_id(id).await? {
                Some(found) => chain.push(found),
                None => return Err(StoreError::NotFound { entity: "context", id }),
            }
        }
        Ok(chain)
    }

    /// Locks (`true`) or unlocks (`false`) context `id`.
    pub async fn set_context_locked(&self, id: i64, locked: bool) -> Result<(), StoreError> {
        let sql = self.sql("UPDATE {context} SET locked = ? WHERE id = ?");
        let mut tx = self.begin().await?;
        if tx.execute("context", &sql, args![i64::from(locked), id]).await? == 0 {
            return Err(StoreError::NotFound { entity: "context", id });
        }
        self.record_change(&mut tx, ChangeKind::Context, id).await?;
        tx.commit().await
    }
}
