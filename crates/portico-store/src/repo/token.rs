//! Web service tokens (`external_tokens`).
//!
//! Tokens are stored as given: generating them (format, randomness) is `portico-access`'s job.
//! Every change or deletion is reported on the change feed by token id, never by the secret.
//! `lastaccess` updates are not reported: they change no access decision.

use crate::change::ChangeKind;
use crate::db::{Arg, Row, args};
use crate::error::StoreError;
use crate::model::ExternalToken;
use crate::store::Store;

macro_rules! token_columns {
    () => {
        "id, token, privatetoken, tokentype, userid, externalserviceid, sid, contextid, \
         creatorid, iprestriction, validuntil, timecreated, lastaccess, name"
    };
}

fn token_from(row: &Row) -> Result<ExternalToken, StoreError> {
    Ok(ExternalToken {
        id: row.int("id")?,
        token: row.text("token")?,
        privatetoken: row.opt_text("privatetoken")?,
        tokentype: row.int("tokentype")?,
        userid: row.int("userid")?,
        externalserviceid: row.int("externalserviceid")?,
        sid: row.opt_text("sid")?,
        contextid: row.int("contextid")?,
        creatorid: row.int("creatorid")?,
        iprestriction: row.opt_text("iprestriction")?,
        validuntil: row.opt_int("validuntil")?,
        timecreated: row.int("timecreated")?,
        lastaccess: row.opt_int("lastaccess")?,
        name: row.opt_text("name")?,
    })
}

impl Store {
    /// Stores `token` (its `id` is ignored); returns the stored row.
    pub async fn create_token(&self, token: &ExternalToken) -> Result<ExternalToken, StoreError> {
        let sql = self.insert_sql(
            "INSERT INTO {external_tokens} (token, privatetoken, tokentype, userid, \
             externalserviceid, sid, contextid, creatorid, iprestriction, validuntil, \
             timecreated, lastaccess, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let values = token_args(token);
        let mut tx = self.begin().await?;
        let id = tx.insert("external_token", &sql, values).await?;
        self.record_change(&mut tx, ChangeKind::Token, id).await?;
        tx.commit().await?;
        Ok(ExternalToken { id, ..token.clone() })
    }

    /// Whether some token already has the value `token` (for collision checks).
    pub async fn token_exists(&self, token: &str) -> Result<bool, StoreError> {
        let sql = self.sql("SELECT id FROM {external_tokens} WHERE token = ?");
        Ok(self.conn().await?.fetch_optional("external_token", &sql, args![token]).await?.is_some())
    }

    /// The token whose secret is `token`, of any type (the caller checks `tokentype`). If
    /// several rows share the value, the oldest is returned.
    pub async fn token_by_value(&self, token: &str) -> Result<Option<ExternalToken>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            token_columns!(),
            " FROM {external_tokens} WHERE token = ? ORDER BY id"
        ));
        let row = self.conn().await?.fetch_optional("external_token", &sql, args![token]).await?;
        row.as_ref().map(token_from).transpose()
    }

    /// The token with `id`.
    pub async fn token_by_id(&self, id: i64) -> Result<Option<ExternalToken>, StoreError> {
        let sql =
            self.sql(concat!("SELECT ", token_columns!(), " FROM {external_tokens} WHERE id = ?"));
        let row = self.conn().await?.fetch_optional("external_token", &sql, args![id]).await?;
        row.as_ref().map(token_from).transpose()
    }

    /// Every token, by id.
    pub async fn list_tokens(&self) -> Result<Vec<ExternalToken>, StoreError> {
        let sql =
            self.sql(concat!("SELECT ", token_columns!(), " FROM {external_tokens} ORDER BY id"));
        let rows = self.conn().await?.fetch_all("external_token", &sql, args![]).await?;
        rows.iter().map(token_from).collect()
    }

    /// Every token of user `userid`, by id.
    pub async fn tokens_of_user(&self, userid: i64) -> Result<Vec<ExternalToken>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            token_columns!(),
            " FROM {external_tokens} WHERE userid = ? ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("external_token", &sql, args![userid]).await?;
        rows.iter().map(token_from).collect()
    }

    /// The tokens of type `tokentype` of user `userid` for service `serviceid`, oldest first
    /// (`timecreated`, then id): the candidates for reuse at login (spec 02 section 5.2).
    pub async fn tokens_of_user_for_service(
        &self,
        userid: i64,
        serviceid: i64,
        tokentype: i64,
    ) -> Result<Vec<ExternalToken>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            token_columns!(),
            " FROM {external_tokens} WHERE userid = ? AND externalserviceid = ? \
             AND tokentype = ? ORDER BY timecreated, id"
        ));
        let values = args![userid, serviceid, tokentype];
        let rows = self.conn().await?.fetch_all("external_token", &sql, values).await?;
        rows.iter().map(token_from).collect()
    }

    /// Replaces every column of token `token.id` (an administrator's edit).
    pub async fn update_token(&self, token: &ExternalToken) -> Result<(), StoreError> {
        let sql = self.sql(
            "UPDATE {external_tokens} SET token = ?, privatetoken = ?, tokentype = ?, userid = ?, \
             externalserviceid = ?, sid = ?, contextid = ?, creatorid = ?, iprestriction = ?, \
             validuntil = ?, timecreated = ?, lastaccess = ?, name = ? WHERE id = ?",
        );
        let t = token;
        let mut values = token_args(t);
        values.push(Arg::from(t.id));
        let mut tx = self.begin().await?;
        if tx.execute("external_token", &sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "external_token", id: t.id });
        }
        self.record_change(&mut tx, ChangeKind::Token, t.id).await?;
        tx.commit().await
    }

    /// Deletes (revokes) token `id`; returns whether it existed.
    pub async fn delete_token(&self, id: i64) -> Result<bool, StoreError> {
        let sql = self.sql("DELETE FROM {external_tokens} WHERE id = ?");
        let mut tx = self.begin().await?;
        let deleted = tx.execute("external_token", &sql, args![id]).await? > 0;
        self.record_change(&mut tx, ChangeKind::Token, id).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes every token of user `userid` (password change, spec 02 section 2.4); returns how
    /// many.
    pub async fn delete_tokens_of_user(&self, userid: i64) -> Result<u64, StoreError> {
        let select = self.sql("SELECT id FROM {external_tokens} WHERE userid = ?");
        let delete = self.sql("DELETE FROM {external_tokens} WHERE userid = ?");
        self.delete_tokens_where(&select, &delete, args![userid]).await
    }

    /// Deletes every token tied to browser session `sid`; returns how many.
    pub async fn delete_tokens_of_session(&self, sid: &str) -> Result<u64, StoreError> {
        let select = self.sql("SELECT id FROM {external_tokens} WHERE sid = ?");
        let delete = self.sql("DELETE FROM {external_tokens} WHERE sid = ?");
        self.delete_tokens_where(&select, &delete, args![sid]).await
    }

    async fn delete_tokens_where(
        &self,
        select: &std::sync::Arc<str>,
        delete: &std::sync::Arc<str>,
        values: Vec<crate::db::Arg>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let ids = tx.fetch_all("external_token", select, values.clone()).await?;
        let count = tx.execute("external_token", delete, values).await?;
        for row in &ids {
            self.record_change(&mut tx, ChangeKind::Token, row.int("id")?).await?;
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Sets `lastaccess` of token `id` to `now` if it is older than `now - min_interval` (Moodle
    /// throttles this to once a minute, spec 02 section 9); returns whether it was updated.
    pub async fn touch_token(
        &self,
        id: i64,
        now: i64,
        min_interval: i64,
    ) -> Result<bool, StoreError> {
        let sql = self.sql(
            "UPDATE {external_tokens} SET lastaccess = ? \
             WHERE id = ? AND (lastaccess IS NULL OR lastaccess <= ?)",
        );
        let values = args![now, id, now.saturating_sub(min_interval)];
        Ok(self.conn().await?.execute("external_token", &sql, values).await? > 0)
    }
}

/// The values of a token, in the column order of the insert and update statements above.
fn token_args(t: &ExternalToken) -> Vec<Arg> {
    args![
        &t.token,
        &t.privatetoken,
        t.tokentype,
        t.userid,
        t.externalserviceid,
        &t.sid,
        t.contextid,
        t.creatorid,
        &t.iprestriction,
        t.validuntil,
        t.timecreated,
        t.lastaccess,
        &t.name
    ]
}
