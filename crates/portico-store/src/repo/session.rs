//! Browser sessions (`sessions`), used by the AJAX endpoint, the login page and embedded tokens.
//!
//! `sessdata` is opaque here; Portico's server keeps the session's `sesskey` in it. Deleting a
//! session deletes the embedded tokens tied to it in the same transaction (spec 02 section 2.4).

use crate::change::ChangeKind;
use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::Session;
use crate::store::Store;

fn session_from(row: &Row) -> Result<Session, StoreError> {
    Ok(Session {
        id: row.int("id")?,
        state: row.int("state")?,
        sid: row.text("sid")?,
        userid: row.int("userid")?,
        sessdata: row.opt_text("sessdata")?,
        timecreated: row.int("timecreated")?,
        timemodified: row.int("timemodified")?,
        firstip: row.opt_text("firstip")?,
        lastip: row.opt_text("lastip")?,
    })
}

impl Store {
    /// Stores `session` (its `id` is ignored); a second session with the same `sid` is a
    /// [`StoreError::Conflict`].
    pub async fn create_session(&self, session: &Session) -> Result<Session, StoreError> {
        let sql = self.insert_sql(
            "INSERT INTO {sessions} (state, sid, userid, sessdata, timecreated, timemodified, \
             firstip, lastip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let s = session;
        let values = args![
            s.state,
            &s.sid,
            s.userid,
            &s.sessdata,
            s.timecreated,
            s.timemodified,
            &s.firstip,
            &s.lastip
        ];
        let id = self.conn().await?.insert("session", &sql, values).await?;
        Ok(Session { id, ..session.clone() })
    }

    /// The session whose id is `sid`.
    pub async fn session_by_sid(&self, sid: &str) -> Result<Option<Session>, StoreError> {
        let sql = self.sql(
            "SELECT id, state, sid, userid, sessdata, timecreated, timemodified, firstip, lastip \
             FROM {sessions} WHERE sid = ?",
        );
        let row = self.conn().await?.fetch_optional("session", &sql, args![sid]).await?;
        row.as_ref().map(session_from).transpose()
    }

    /// Records a request on session `sid` at `now` from `ip`; returns whether it exists.
    pub async fn touch_session(&self, sid: &str, now: i64, ip: &str) -> Result<bool, StoreError> {
        let sql = self.sql("UPDATE {sessions} SET timemodified = ?, lastip = ? WHERE sid = ?");
        Ok(self.conn().await?.execute("session", &sql, args![now, ip, sid]).await? > 0)
    }

    /// Replaces the data and user of session `sid` (login, logout, sesskey rotation).
    pub async fn update_session(
        &self,
        sid: &str,
        userid: i64,
        sessdata: Option<&str>,
    ) -> Result<(), StoreError> {
        let sql = self.sql("UPDATE {sessions} SET userid = ?, sessdata = ? WHERE sid = ?");
        if self.conn().await?.execute("session", &sql, args![userid, sessdata, sid]).await? == 0 {
            return Err(StoreError::NotFound { entity: "session", id: 0 });
        }
        Ok(())
    }

    /// Deletes session `sid` and the embedded tokens tied to it; returns whether it existed.
    pub async fn delete_session(&self, sid: &str) -> Result<bool, StoreError> {
        let tokens = self.sql("SELECT id FROM {external_tokens} WHERE sid = ?");
        let delete_tokens = self.sql("DELETE FROM {external_tokens} WHERE sid = ?");
        let delete = self.sql("DELETE FROM {sessions} WHERE sid = ?");
        let mut tx = self.begin().await?;
        let ids = tx.fetch_all("external_token", &tokens, args![sid]).await?;
        tx.execute("external_token", &delete_tokens, args![sid]).await?;
        let deleted = tx.execute("session", &delete, args![sid]).await? > 0;
        for row in &ids {
            self.record_change(&mut tx, ChangeKind::Token, row.int("id")?).await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes sessions idle since before `before` (Unix time), with their embedded tokens;
    /// returns how many sessions.
    pub async fn delete_sessions_idle_since(&self, before: i64) -> Result<u64, StoreError> {
        let sids = self.sql("SELECT sid FROM {sessions} WHERE timemodified < ?");
        let rows = self.conn().await?.fetch_all("session", &sids, args![before]).await?;
        let mut count = 0;
        for row in &rows {
            if self.delete_session(&row.text("sid")?).await? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Number of browser sessions of user `userid`.
    pub async fn count_user_sessions(&self, userid: i64) -> Result<i64, StoreError> {
        let sql = self.sql("SELECT COUNT(*) AS n FROM {sessions} WHERE userid = ?");
        let row = self.conn().await?.fetch_optional("sessions", &sql, args![userid]).await?;
        Ok(row.map(|row| row.int("n")).transpose()?.unwrap_or(0))
    }
}
