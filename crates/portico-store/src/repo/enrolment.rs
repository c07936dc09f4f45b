//! Enrolments: the `enrol` instances of courses and the `user_enrolments` in them.
//!
//! This module answers "is this user enrolled" with the dates and statuses of spec 05 §3.6; it
//! must never decide what an enrolment allows (that is `portico-access` and the functions).

use crate::db::args;
use crate::error::StoreError;
use crate::store::Store;

impl Store {
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
