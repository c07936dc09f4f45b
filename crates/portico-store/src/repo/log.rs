//! The event log (`logstore_standard_log`), spec 02 section 10.
//!
//! Append-only from Portico's side; events are built by their callers. This module must never
//! store a token or password in an event.

use crate::db::{Arg, Row, args};
use crate::error::StoreError;
use crate::model::LogstoreStandardLog;
use crate::store::Store;

fn event_from(row: &Row) -> Result<LogstoreStandardLog, StoreError> {
    Ok(LogstoreStandardLog {
        id: row.int("id")?,
        eventname: row.text("eventname")?,
        component: row.text("component")?,
        action: row.text("action")?,
        target: row.text("target")?,
        objecttable: row.opt_text("objecttable")?,
        objectid: row.opt_int("objectid")?,
        crud: row.text("crud")?,
        edulevel: row.int("edulevel")?,
        contextid: row.int("contextid")?,
        contextlevel: row.int("contextlevel")?,
        contextinstanceid: row.int("contextinstanceid")?,
        userid: row.int("userid")?,
        courseid: row.opt_int("courseid")?,
        relateduserid: row.opt_int("relateduserid")?,
        anonymous: row.int("anonymous")?,
        other: row.opt_text("other")?,
        timecreated: row.int("timecreated")?,
        origin: row.opt_text("origin")?,
        ip: row.opt_text("ip")?,
        realuserid: row.opt_int("realuserid")?,
    })
}

impl Store {
    /// Appends `event` (its `id` is ignored); returns the new id.
    pub async fn append_log(&self, event: &LogstoreStandardLog) -> Result<i64, StoreError> {
        let sql = self.insert_sql(
            "INSERT INTO {logstore_standard_log} (eventname, component, action, target, \
             objecttable, objectid, crud, edulevel, contextid, contextlevel, contextinstanceid, \
             userid, courseid, relateduserid, anonymous, other, timecreated, origin, ip, \
             realuserid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let values = log_args(event);
        self.conn().await?.insert("logstore_standard_log", &sql, values).await
    }

    /// Appends `events` in order, in one transaction: all are stored or none (their `id`s are
    /// ignored). Batching is what lets a busy server log every call with one round-trip per
    /// batch instead of one per event.
    pub async fn append_logs(&self, events: &[LogstoreStandardLog]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let sql = self.sql(
            "INSERT INTO {logstore_standard_log} (eventname, component, action, target, \
             objecttable, objectid, crud, edulevel, contextid, contextlevel, contextinstanceid, \
             userid, courseid, relateduserid, anonymous, other, timecreated, origin, ip, \
             realuserid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let mut tx = self.begin().await?;
        for e in events {
            let values = log_args(e);
            tx.execute("logstore_standard_log", &sql, values).await?;
        }
        tx.commit().await
    }

    /// The newest `limit` events, newest first.
    pub async fn recent_log(&self, limit: i64) -> Result<Vec<LogstoreStandardLog>, StoreError> {
        let sql = self.sql(
            "SELECT id, eventname, component, action, target, objecttable, objectid, crud, \
             edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, \
             relateduserid, anonymous, other, timecreated, origin, ip, realuserid \
             FROM {logstore_standard_log} ORDER BY id DESC LIMIT ?",
        );
        let rows = self
            .conn()
            .await?
            .fetch_all("logstore_standard_log", &sql, args![limit.max(0)])
            .await?;
        rows.iter().map(event_from).collect()
    }
}

/// The values of one event, in the column order of the insert statements above.
fn log_args(e: &LogstoreStandardLog) -> Vec<Arg> {
    args![
        &e.eventname,
        &e.component,
        &e.action,
        &e.target,
        &e.objecttable,
        e.objectid,
        &e.crud,
        e.edulevel,
        e.contextid,
        e.contextlevel,
        e.contextinstanceid,
        e.userid,
        e.courseid,
        e.relateduserid,
        e.anonymous,
        &e.other,
        e.timecreated,
        &e.origin,
        &e.ip,
        e.realuserid
    ]
}
