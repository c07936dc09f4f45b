//! The participants of a course (Moodle's `get_enrolled_sql` as `core_enrol_get_enrolled_users`
//! uses it) and the group reads that go with them: a user's groups in a course, membership, a
//! course's groups.
//!
//! This module only says who is enrolled and in which groups. It must never decide which of
//! them a caller may see, nor evaluate capabilities (`withcapability` is filtered by the
//! function through `portico-access`).

use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::{Group, User};
use crate::repo::user::user_from;
use crate::store::Store;

/// The order of [`Store::enrolled_users`] (the `sortby` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnrolledUsersSort {
    /// By user id.
    #[default]
    Id,
    /// By first name (then id).
    Firstname,
    /// By last name (then id).
    Lastname,
    /// Moodle's site order: last name, first name, id; the direction applies to the id only, as
    /// in Moodle's `ORDER BY lastname, firstname, id <direction>`.
    Siteorder,
}

/// Which users [`Store::enrolled_users`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnrolledUsersQuery {
    /// The course.
    pub courseid: i64,
    /// The course is the site course: every user counts as enrolled.
    pub site: bool,
    /// The guest user, never a participant.
    pub guestid: i64,
    /// Only active enrolments (spec 05 §3.6); on the site course, only unsuspended users.
    pub onlyactive: bool,
    /// Only members of this group (0: any).
    pub groupid: i64,
    /// Only members of the groups this user belongs to in the course (separate groups).
    pub shared_groups_of: Option<i64>,
    /// The order.
    pub sort: EnrolledUsersSort,
    /// Descending order.
    pub descending: bool,
    /// The time enrolments are judged at.
    pub now: i64,
}

/// A participant: the user and their last access to the course (0 for never).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolledUser {
    /// The user.
    pub user: User,
    /// `user_lastaccess.timeaccess` for the course, 0 when none.
    pub lastcourseaccess: i64,
}

macro_rules! enrolled_users_sql {
    ($order:literal) => {
        concat!(
            "SELECT id, ",
            user_columns!(),
            ", COALESCE((SELECT ul.timeaccess FROM {user_lastaccess} ul \
             WHERE ul.userid = {user}.id AND ul.courseid = ?), 0) AS lastcourseaccess \
             FROM {user} WHERE deleted = 0 AND id <> ? \
             AND (? = 1 OR id IN (SELECT ue.userid FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid WHERE e.courseid = ? AND (? = 0 OR \
             (ue.status = 0 AND e.status = 0 AND ue.timestart <= ? \
             AND (ue.timeend = 0 OR ue.timeend > ?))))) \
             AND (? = 0 OR ? = 0 OR suspended = 0) \
             AND (? = 0 OR id IN (SELECT gm.userid FROM {groups_members} gm WHERE gm.groupid = ?)) \
             AND (? = 0 OR id IN (SELECT gm.userid FROM {groups_members} gm \
             JOIN {groups} g ON g.id = gm.groupid WHERE g.courseid = ? AND gm.groupid IN \
             (SELECT mine.groupid FROM {groups_members} mine WHERE mine.userid = ?))) \
             ORDER BY ",
            $order
        )
    };
}

pub(crate) fn group_from(row: &Row) -> Result<Group, StoreError> {
    Ok(Group {
        id: row.int("id")?,
        courseid: row.int("courseid")?,
        idnumber: row.text("idnumber")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        descriptionformat: row.int("descriptionformat")?,
        enrolmentkey: row.opt_text("enrolmentkey")?,
        picture: row.int("picture")?,
        visibility: row.int("visibility")?,
        participation: row.int("participation")?,
        timecreated: row.int("timecreated")?,
        timemodified: row.int("timemodified")?,
    })
}

macro_rules! group_columns {
    () => {
        "g.id, g.courseid, g.idnumber, g.name, g.description, g.descriptionformat, \
         g.enrolmentkey, g.picture, g.visibility, g.participation, g.timecreated, g.timemodified"
    };
}

impl Store {
    /// The participants of a course in the order asked, each once, deleted users and the guest
    /// excluded.
    pub async fn enrolled_users(
        &self,
        query: &EnrolledUsersQuery,
    ) -> Result<Vec<EnrolledUser>, StoreError> {
        use EnrolledUsersSort::{Firstname, Id, Lastname, Siteorder};
        let sql = match (query.sort, query.descending) {
            (Id, false) => self.sql(enrolled_users_sql!("id ASC")),
            (Id, true) => self.sql(enrolled_users_sql!("id DESC")),
            (Firstname, false) => self.sql(enrolled_users_sql!("firstname ASC, id ASC")),
            (Firstname, true) => self.sql(enrolled_users_sql!("firstname DESC, id ASC")),
            (Lastname, false) => self.sql(enrolled_users_sql!("lastname ASC, id ASC")),
            (Lastname, true) => self.sql(enrolled_users_sql!("lastname DESC, id ASC")),
            (Siteorder, false) => self.sql(enrolled_users_sql!("lastname, firstname, id ASC")),
            (Siteorder, true) => self.sql(enrolled_users_sql!("lastname, firstname, id DESC")),
        };
        let q = query;
        let viewer = q.shared_groups_of.unwrap_or(0);
        let values = args![
            q.courseid,
            q.guestid,
            i64::from(q.site),
            q.courseid,
            i64::from(q.onlyactive),
            q.now,
            q.now,
            i64::from(q.site),
            i64::from(q.onlyactive),
            q.groupid,
            q.groupid,
            i64::from(q.shared_groups_of.is_some()),
            q.courseid,
            viewer
        ];
        let rows = self.conn().await?.fetch_all("user", &sql, values).await?;
        rows.iter()
            .map(|row| {
                Ok(EnrolledUser {
                    user: user_from(row)?,
                    lastcourseaccess: row.int("lastcourseaccess")?,
                })
            })
            .collect()
    }

    /// The groups of course `courseid` that `userid` belongs to, by name.
    pub async fn groups_of_user_in_course(
        &self,
        courseid: i64,
        userid: i64,
    ) -> Result<Vec<Group>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            group_columns!(),
            " FROM {groups} g JOIN {groups_members} gm ON gm.groupid = g.id \
             WHERE g.courseid = ? AND gm.userid = ? ORDER BY g.name, g.id"
        ));
        let rows = self.conn().await?.fetch_all("groups", &sql, args![courseid, userid]).await?;
        rows.iter().map(group_from).collect()
    }

    /// Every group of course `courseid`, by id.
    pub async fn groups_in_course(&self, courseid: i64) -> Result<Vec<Group>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            group_columns!(),
            " FROM {groups} g WHERE g.courseid = ? ORDER BY g.id"
        ));
        let rows = self.conn().await?.fetch_all("groups", &sql, args![courseid]).await?;
        rows.iter().map(group_from).collect()
    }
}
