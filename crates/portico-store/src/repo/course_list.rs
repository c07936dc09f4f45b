//! Reading courses for lists: courses with their context and category, a user's enrolled
//! courses with what the course list shows beside them (last access, starred courses,
//! enrolled-user counts), course contacts, sections and format options.
//!
//! Every list is read with a fixed number of statements, never one per course. This module only
//! reports what the tables say; it must never decide who may see a course.

use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::{CONTEXT_COURSE, SITEID};
use crate::repo::course::course_from;
use crate::store::{Store, now};

/// A course and what lists show beside it: its context and its category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCourse {
    /// The course row.
    pub course: crate::model::Course,
    /// Id of the course context.
    pub contextid: i64,
    /// Path of the course context (`/1/3/20`).
    pub contextpath: String,
    /// Name of the course's category; `None` when the course has none (the site course).
    pub categoryname: Option<String>,
    /// Visibility of the course's category; `None` when it has none.
    pub categoryvisible: Option<i64>,
}

/// Which courses [`Store::listed_courses`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourseFilter {
    /// Every course, the site course included.
    All,
    /// The course with this id.
    Id(i64),
    /// Courses with this short name.
    Shortname(String),
    /// Courses with this ID number.
    Idnumber(String),
    /// Courses in this category.
    Category(i64),
}

/// A user holding a course-contact role in a course (Moodle's `get_course_contacts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseContact {
    /// The user.
    pub userid: i64,
    /// The role held.
    pub roleid: i64,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
}

/// A row of `course_sections`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CourseSection {
    /// Row id.
    pub id: i64,
    /// The course.
    pub course: i64,
    /// Section number, 0 for the general section.
    pub section: i64,
    /// Name; `None` means the format's default name.
    pub name: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Format of `summary`.
    pub summaryformat: i64,
    /// Comma-separated course module ids.
    pub sequence: Option<String>,
    /// 1 when visible.
    pub visible: i64,
    /// Availability conditions (JSON).
    pub availability: Option<String>,
    /// Component that owns a delegated section.
    pub component: Option<String>,
    /// Item id of a delegated section.
    pub itemid: Option<i64>,
    /// Modification time.
    pub timemodified: i64,
}

fn listed_from(row: &Row) -> Result<ListedCourse, StoreError> {
    Ok(ListedCourse {
        course: course_from(row)?,
        contextid: row.int("ctxid")?,
        contextpath: row.text("ctxpath")?,
        categoryname: row.opt_text("catname")?,
        categoryvisible: row.opt_int("catvisible")?,
    })
}

macro_rules! listed_columns {
    () => {
        concat!(
            "id, ",
            course_columns!(),
            ", (SELECT x.id FROM {context} x WHERE x.contextlevel = 50 AND x.instanceid = {course}.id) AS ctxid",
            ", (SELECT x.path FROM {context} x WHERE x.contextlevel = 50 AND x.instanceid = {course}.id) AS ctxpath",
            ", (SELECT cc.name FROM {course_categories} cc WHERE cc.id = {course}.category) AS catname",
            ", (SELECT cc.visible FROM {course_categories} cc WHERE cc.id = {course}.category) AS catvisible"
        )
    };
}

impl Store {
    /// The courses `filter` selects, by id, each with its context and category. Courses without
    /// a context are left out.
    pub async fn listed_courses(
        &self,
        filter: &CourseFilter,
    ) -> Result<Vec<ListedCourse>, StoreError> {
        let mut conn = self.conn().await?;
        let rows = match filter {
            CourseFilter::All => {
                let sql =
                    self.sql(concat!("SELECT ", listed_columns!(), " FROM {course} ORDER BY id"));
                conn.fetch_all("course", &sql, args![]).await?
            }
            CourseFilter::Id(id) => {
                let sql = self.sql(concat!(
                    "SELECT ",
                    listed_columns!(),
                    " FROM {course} WHERE id = ? ORDER BY id"
                ));
                conn.fetch_all("course", &sql, args![*id]).await?
            }
            CourseFilter::Shortname(shortname) => {
                let sql = self.sql(concat!(
                    "SELECT ",
                    listed_columns!(),
                    " FROM {course} WHERE shortname = ? ORDER BY id"
                ));
                conn.fetch_all("course", &sql, args![shortname.as_str()]).await?
            }
            CourseFilter::Idnumber(idnumber) => {
                let sql = self.sql(concat!(
                    "SELECT ",
                    listed_columns!(),
                    " FROM {course} WHERE idnumber = ? ORDER BY id"
                ));
                conn.fetch_all("course", &sql, args![idnumber.as_str()]).await?
            }
            CourseFilter::Category(category) => {
                let sql = self.sql(concat!(
                    "SELECT ",
                    listed_columns!(),
                    " FROM {course} WHERE category = ? ORDER BY id"
                ));
                conn.fetch_all("course", &sql, args![*category]).await?
            }
        };
        rows.iter()
            .filter(|row| matches!(row.opt_int("ctxid"), Ok(Some(_))))
            .map(listed_from)
            .collect()
    }

    /// The courses user `userid` is actively enrolled in at `now` (Moodle's
    /// `enrol_get_users_courses($userid, true)`: enrolment and instance enabled, started, not
    /// ended; the site course excluded), visible ones first, then by sort order, each once, with
    /// context and category. One statement, whatever the number of courses.
    pub async fn user_courses_listed(
        &self,
        userid: i64,
        now: i64,
    ) -> Result<Vec<ListedCourse>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            listed_columns!(),
            " FROM {course} WHERE id <> ? AND id IN (SELECT e.courseid FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid WHERE ue.userid = ? AND ue.status = 0 \
             AND e.status = 0 AND ue.timestart <= ? AND (ue.timeend = 0 OR ue.timeend > ?)) \
             ORDER BY visible DESC, sortorder, id"
        ));
        let values = args![SITEID, userid, now, now];
        let rows = self.conn().await?.fetch_all("course", &sql, values).await?;
        rows.iter()
            .filter(|row| matches!(row.opt_int("ctxid"), Ok(Some(_))))
            .map(listed_from)
            .collect()
    }

    /// The number of users (not deleted, not the guest user) with any enrolment, active or not,
    /// in each course user `userid` is enrolled in (Moodle's `get_enrolled_sql` count), as
    /// `(courseid, count)` pairs.
    pub async fn enrolled_user_counts_for_user(
        &self,
        userid: i64,
        guestid: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = self.sql(
            "SELECT e.courseid, COUNT(DISTINCT ue.userid) AS total FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid JOIN {user} u ON u.id = ue.userid \
             WHERE u.deleted = 0 AND u.id <> ? AND e.courseid IN \
             (SELECT e2.courseid FROM {user_enrolments} ue2 JOIN {enrol} e2 ON e2.id = ue2.enrolid \
             WHERE ue2.userid = ?) GROUP BY e.courseid",
        );
        let rows =
            self.conn().await?.fetch_all("user_enrolments", &sql, args![guestid, userid]).await?;
        rows.iter().map(|row| Ok((row.int("courseid")?, row.int("total")?))).collect()
    }

    /// The number of users (not deleted, not the guest user) with any enrolment in course
    /// `courseid`.
    pub async fn enrolled_user_count(
        &self,
        courseid: i64,
        guestid: i64,
    ) -> Result<i64, StoreError> {
        let sql = self.sql(
            "SELECT COUNT(DISTINCT ue.userid) AS total FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid JOIN {user} u ON u.id = ue.userid \
             WHERE u.deleted = 0 AND u.id <> ? AND e.courseid = ?",
        );
        let row = self
            .conn()
            .await?
            .fetch_optional("user_enrolments", &sql, args![guestid, courseid])
            .await?;
        row.map_or(Ok(0), |row| row.int("total"))
    }

    /// When user `userid` last accessed each course (`user_lastaccess`), as `(courseid,
    /// timeaccess)` pairs.
    pub async fn course_lastaccess_of_user(
        &self,
        userid: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = self.sql("SELECT courseid, timeaccess FROM {user_lastaccess} WHERE userid = ?");
        let rows = self.conn().await?.fetch_all("user_lastaccess", &sql, args![userid]).await?;
        rows.iter().map(|row| Ok((row.int("courseid")?, row.int("timeaccess")?))).collect()
    }

    /// Records that user `userid` accessed course `courseid` at `time` (Moodle's
    /// `user_accesstime_log` for a course).
    pub async fn record_course_access(
        &self,
        userid: i64,
        courseid: i64,
        time: i64,
    ) -> Result<(), StoreError> {
        let sql = self.sql(
            "INSERT INTO {user_lastaccess} (userid, courseid, timeaccess) VALUES (?, ?, ?) \
             ON CONFLICT (userid, courseid) DO UPDATE SET timeaccess = excluded.timeaccess",
        );
        self.conn().await?.execute("user_lastaccess", &sql, args![userid, courseid, time]).await?;
        Ok(())
    }

    /// The item ids user `userid` starred in `component`/`itemtype` (the `favourite` table),
    /// by `ordering` then id.
    pub async fn favourite_itemids(
        &self,
        userid: i64,
        component: &str,
        itemtype: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let sql = self.sql(
            "SELECT itemid FROM {favourite} WHERE userid = ? AND component = ? AND itemtype = ? \
             ORDER BY ordering, id",
        );
        let values = args![userid, component, itemtype];
        let rows = self.conn().await?.fetch_all("favourite", &sql, values).await?;
        rows.iter().map(|row| row.int("itemid")).collect()
    }

    /// Stars item `itemid` of `component`/`itemtype` in context `contextid` for user `userid`
    /// (Moodle's favourites service `create_favourite`); starring twice is
    /// [`StoreError::Conflict`].
    pub async fn add_favourite(
        &self,
        userid: i64,
        component: &str,
        itemtype: &str,
        itemid: i64,
        contextid: i64,
    ) -> Result<(), StoreError> {
        let sql = self.sql(
            "INSERT INTO {favourite} (component, itemtype, itemid, contextid, userid, ordering, \
             timecreated, timemodified) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
        );
        let time = now();
        let values = args![component, itemtype, itemid, contextid, userid, time, time];
        self.conn().await?.execute("favourite", &sql, values).await?;
        Ok(())
    }

    /// The users holding one of `roleids` in the context of course `courseid` who are actively
    /// enrolled at `now` and not deleted (Moodle's course contacts before duplicates are
    /// removed), by role sort order, then last name, first name and id.
    pub async fn course_contacts(
        &self,
        courseid: i64,
        roleids: &[i64],
        now: i64,
    ) -> Result<Vec<CourseContact>, StoreError> {
        let sql = self.sql(
            "SELECT ra.userid, ra.roleid, u.firstname, u.lastname FROM {role_assignments} ra \
             JOIN {context} x ON x.id = ra.contextid AND x.contextlevel = ? AND x.instanceid = ? \
             JOIN {user} u ON u.id = ra.userid JOIN {role} r ON r.id = ra.roleid \
             WHERE u.deleted = 0 AND EXISTS (SELECT 1 FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid WHERE ue.userid = ra.userid AND e.courseid = ? \
             AND ue.status = 0 AND e.status = 0 AND ue.timestart <= ? \
             AND (ue.timeend = 0 OR ue.timeend > ?)) \
             ORDER BY r.sortorder, u.lastname, u.firstname, u.id",
        );
        let values = args![CONTEXT_COURSE, courseid, courseid, now, now];
        let rows = self.conn().await?.fetch_all("role_assignments", &sql, values).await?;
        let mut contacts = Vec::new();
        for row in &rows {
            let contact = CourseContact {
                userid: row.int("userid")?,
                roleid: row.int("roleid")?,
                firstname: row.text("firstname")?,
                lastname: row.text("lastname")?,
            };
            if roleids.contains(&contact.roleid) {
                contacts.push(contact);
            }
        }
        Ok(contacts)
    }

    /// The sections of course `courseid`, by section number.
    pub async fn course_sections(&self, courseid: i64) -> Result<Vec<CourseSection>, StoreError> {
        let sql = self.sql(
            "SELECT id, course, section, name, summary, summaryformat, sequence, visible, \
             availability, component, itemid, timemodified FROM {course_sections} \
             WHERE course = ? ORDER BY section",
        );
        let rows = self.conn().await?.fetch_all("course_sections", &sql, args![courseid]).await?;
        rows.iter()
            .map(|row| {
                Ok(CourseSection {
                    id: row.int("id")?,
                    course: row.int("course")?,
                    section: row.int("section")?,
                    name: row.opt_text("name")?,
                    summary: row.opt_text("summary")?,
                    summaryformat: row.int("summaryformat")?,
                    sequence: row.opt_text("sequence")?,
                    visible: row.int("visible")?,
                    availability: row.opt_text("availability")?,
                    component: row.opt_text("component")?,
                    itemid: row.opt_int("itemid")?,
                    timemodified: row.int("timemodified")?,
                })
            })
            .collect()
    }

    /// The course-level options (section 0) of course `courseid` for format `format`, as
    /// `(name, value)` pairs by name.
    pub async fn course_format_options(
        &self,
        courseid: i64,
        format: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let sql = self.sql(
            "SELECT name, value FROM {course_format_options} \
             WHERE courseid = ? AND format = ? AND sectionid = 0 ORDER BY name",
        );
        let values = args![courseid, format];
        let rows = self.conn().await?.fetch_all("course_format_options", &sql, values).await?;
        rows.iter().map(|row| Ok((row.text("name")?, row.text("value")?))).collect()
    }
}
