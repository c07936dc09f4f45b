//! The courses of a user: Moodle's `enrol_get_users_courses` and `enrol_sharing_course`.
//!
//! Only what enrolments say; this module must never decide whether a caller may see a course.

use crate::db::args;
use crate::error::StoreError;
use crate::model::{Course, SITEID};
use crate::repo::course::course_from;
use crate::store::Store;

impl Store {
    /// The courses user `userid` is enrolled in (the site course excluded), visible ones first,
    /// then by sort order, each once. With `active_only`, only active enrolments count (spec 05
    /// §3.6): enrolment and instance enabled, started by `now`, and not ended.
    pub async fn courses_of_user(
        &self,
        userid: i64,
        active_only: bool,
        now: i64,
    ) -> Result<Vec<Course>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT id, ",
            course_columns!(),
            " FROM {course} WHERE id <> ? AND id IN (SELECT e.courseid FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid WHERE ue.userid = ? AND (? = 0 OR (ue.status = 0 \
             AND e.status = 0 AND ue.timestart <= ? AND (ue.timeend = 0 OR ue.timeend > ?)))) \
             ORDER BY visible DESC, sortorder, id"
        ));
        let values = args![SITEID, userid, i64::from(active_only), now, now];
        let rows = self.conn().await?.fetch_all("course", &sql, values).await?;
        rows.iter().map(course_from).collect()
    }

    /// Whether users `a` and `b` are both actively enrolled in one course (Moodle's
    /// `enrol_sharing_course`).
    pub async fn users_share_course(&self, a: i64, b: i64, now: i64) -> Result<bool, StoreError> {
        let sql = self.sql(
            "SELECT e1.courseid FROM {user_enrolments} ue1 JOIN {enrol} e1 ON e1.id = ue1.enrolid \
             JOIN {enrol} e2 ON e2.courseid = e1.courseid \
             JOIN {user_enrolments} ue2 ON ue2.enrolid = e2.id \
             WHERE ue1.userid = ? AND ue2.userid = ? AND e1.status = 0 AND e2.status = 0 \
             AND ue1.status = 0 AND ue2.status = 0 AND ue1.timestart <= ? AND ue2.timestart <= ? \
             AND (ue1.timeend = 0 OR ue1.timeend > ?) AND (ue2.timeend = 0 OR ue2.timeend > ?) \
             LIMIT 1",
        );
        let values = args![a, b, now, now, now, now];
        let row = self.conn().await?.fetch_optional("user_enrolments", &sql, values).await?;
        Ok(row.is_some())
    }
}
