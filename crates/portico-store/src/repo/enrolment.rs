//! Enrolments: the `enrol` instances of courses and the `user_enrolments` in them.
//!
//! This module answers "is this user enrolled" with the dates and statuses of spec 05 §3.6; it
//! must never decide what an enrolment allows (that is `portico-access` and the functions).

use crate::change::ChangeKind;
use crate::db::{Conn, Row, args};
use crate::error::StoreError;
use crate::model::{CONTEXT_COURSE, Enrol};
use crate::store::{Store, now};

macro_rules! enrol_columns {
    () => {
        "id, enrol, status, courseid, sortorder, name, enrolperiod, enrolstartdate, enrolenddate, \
         expirynotify, expirythreshold, notifyall, password, cost, currency, roleid, customint1, \
         customint2, customint3, customint4, customint5, customint6, customint7, customint8, \
         customchar1, customchar2, customchar3, CAST(customdec1 AS VARCHAR(40)) AS customdec1, \
         CAST(customdec2 AS VARCHAR(40)) AS customdec2, customtext1, customtext2, \
         customtext3, customtext4, timecreated, timemodified"
    };
}

pub(crate) fn enrol_from(row: &Row) -> Result<Enrol, StoreError> {
    Ok(Enrol {
        id: row.int("id")?,
        enrol: row.text("enrol")?,
        status: row.int("status")?,
        courseid: row.int("courseid")?,
        sortorder: row.int("sortorder")?,
        name: row.opt_text("name")?,
        enrolperiod: row.opt_int("enrolperiod")?,
        enrolstartdate: row.opt_int("enrolstartdate")?,
        enrolenddate: row.opt_int("enrolenddate")?,
        expirynotify: row.opt_int("expirynotify")?,
        expirythreshold: row.opt_int("expirythreshold")?,
        notifyall: row.opt_int("notifyall")?,
        password: row.opt_text("password")?,
        cost: row.opt_text("cost")?,
        currency: row.opt_text("currency")?,
        roleid: row.opt_int("roleid")?,
        customint1: row.opt_int("customint1")?,
        customint2: row.opt_int("customint2")?,
        customint3: row.opt_int("customint3")?,
        customint4: row.opt_int("customint4")?,
        customint5: row.opt_int("customint5")?,
        customint6: row.opt_int("customint6")?,
        customint7: row.opt_int("customint7")?,
        customint8: row.opt_int("customint8")?,
        customchar1: row.opt_text("customchar1")?,
        customchar2: row.opt_text("customchar2")?,
        customchar3: row.opt_text("customchar3")?,
        customdec1: decimal(row, "customdec1")?,
        customdec2: decimal(row, "customdec2")?,
        customtext1: row.opt_text("customtext1")?,
        customtext2: row.opt_text("customtext2")?,
        customtext3: row.opt_text("customtext3")?,
        customtext4: row.opt_text("customtext4")?,
        timecreated: row.int("timecreated")?,
        timemodified: row.int("timemodified")?,
    })
}

/// A `NUMERIC` column, read as text (both backends) and parsed.
fn decimal(row: &Row, column: &str) -> Result<Option<f64>, StoreError> {
    row.opt_text(column)?
        .map(|text| {
            text.trim().parse().map_err(|_| StoreError::Internal(format!("{column}: {text}")))
        })
        .transpose()
}

/// One enrolment to make: a user in an enrolment instance, with the role to give them in the
/// instance's course.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewEnrolment {
    /// The enrolment instance.
    pub enrolid: i64,
    /// The user.
    pub userid: i64,
    /// Role assigned in the course context (component '' / itemid 0); 0 for none.
    pub roleid: i64,
    /// 0 active, 1 suspended.
    pub status: i64,
    /// Start, 0 = none.
    pub timestart: i64,
    /// End, 0 = none.
    pub timeend: i64,
    /// Who enrols.
    pub modifierid: i64,
}

impl Store {
    /// The enrolment instances of course `courseid`, in their order.
    pub async fn enrol_instances(&self, courseid: i64) -> Result<Vec<Enrol>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            enrol_columns!(),
            " FROM {enrol} WHERE courseid = ? ORDER BY sortorder, id"
        ));
        let rows = self.conn().await?.fetch_all("enrol", &sql, args![courseid]).await?;
        rows.iter().map(enrol_from).collect()
    }

    /// The enrolment instance with `id`.
    pub async fn enrol_instance(&self, id: i64) -> Result<Option<Enrol>, StoreError> {
        let sql = self.sql(concat!("SELECT ", enrol_columns!(), " FROM {enrol} WHERE id = ?"));
        let row = self.conn().await?.fetch_optional("enrol", &sql, args![id]).await?;
        row.as_ref().map(enrol_from).transpose()
    }

    /// Makes every enrolment of `enrolments` in one transaction (Moodle's `enrol_user`): a
    /// user already in the instance has their status and dates updated, and the role is
    /// assigned unless already held. An unknown instance is [`StoreError::NotFound`]; nothing is
    /// written then.
    pub async fn enrol_users(&self, enrolments: &[NewEnrolment]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for enrolment in enrolments {
            self.enrol_in(&mut tx, enrolment).await?;
        }
        tx.commit().await
    }

    /// Makes one enrolment of [`Store::enrol_users`] inside the transaction `tx`; returns the
    /// course of the instance.
    pub(crate) async fn enrol_in(
        &self,
        tx: &mut Conn,
        e: &NewEnrolment,
    ) -> Result<i64, StoreError> {
        let course_of = self.sql("SELECT courseid FROM {enrol} WHERE id = ?");
        let upsert = self.sql(
            "INSERT INTO {user_enrolments} (status, enrolid, userid, timestart, timeend, \
             modifierid, timecreated, timemodified) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (enrolid, userid) DO UPDATE SET status = excluded.status, \
             timestart = excluded.timestart, timeend = excluded.timeend, \
             timemodified = excluded.timemodified",
        );
        let assign = self.sql(
            "INSERT INTO {role_assignments} \
             (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) \
             VALUES (?, ?, ?, ?, ?, '', 0, 0) \
             ON CONFLICT (userid, contextid, roleid, component, itemid) DO NOTHING",
        );
        let row = tx
            .fetch_optional("enrol", &course_of, args![e.enrolid])
            .await?
            .ok_or(StoreError::NotFound { entity: "enrol", id: e.enrolid })?;
        let courseid = row.int("courseid")?;
        let time = now();
        let values =
            args![e.status, e.enrolid, e.userid, e.timestart, e.timeend, e.modifierid, time, time];
        tx.execute("user_enrolments", &upsert, values).await?;
        if e.roleid != 0 {
            let context = self
                .context_by_instance_in(tx, CONTEXT_COURSE, courseid)
                .await?
                .ok_or(StoreError::NotFound { entity: "context", id: courseid })?;
            let values = args![e.roleid, context.id, e.userid, time, e.modifierid];
            tx.execute("role_assignments", &assign, values).await?;
            self.record_change(tx, ChangeKind::RoleAssignment, e.userid).await?;
        }
        Ok(courseid)
    }

    /// Whether `userid` has an enrolment in course `courseid`. With `active_only`, only an
    /// active one counts (spec 05 §3.6): enrolment and instance enabled, started by `now`, and
    /// not ended.
    pub async fn is_enrolled(
        &self,
        courseid: i64,
        userid: i64,
        active_only: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (sql, values) = if active_only {
            let sql = self.sql(
                "SELECT ue.id FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid \
                 JOIN {user} u ON u.id = ue.userid \
                 WHERE e.courseid = ? AND ue.userid = ? AND ue.status = 0 AND e.status = 0 \
                 AND u.deleted = 0 AND ue.timestart <= ? AND (ue.timeend = 0 OR ue.timeend > ?)",
            );
            (sql, args![courseid, userid, now, now])
        } else {
            let sql = self.sql(
                "SELECT ue.id FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid \
                 WHERE e.courseid = ? AND ue.userid = ?",
            );
            (sql, args![courseid, userid])
        };
        let rows = self.conn().await?.fetch_all("user_enrolments", &sql, values).await?;
        Ok(!rows.is_empty())
    }
}
