//! Courses: the `course` table (the site course is id 1).
//!
//! Creating a course also creates its context below its category's, in one transaction, as
//! Moodle does. This module must never decide who may see or change a course.

use crate::db::{Arg, Row, args};
use crate::error::StoreError;
use crate::model::{CONTEXT_COURSE, CONTEXT_COURSECAT, Course};
use crate::store::{Store, now};

macro_rules! course_columns {
    () => {
        "category, sortorder, fullname, shortname, idnumber, summary, summaryformat, format, showgrades, newsitems, startdate, enddate, relativedatesmode, marker, maxbytes, legacyfiles, showreports, visible, visibleold, downloadcontent, groupmode, groupmodeforce, defaultgroupingid, lang, calendartype, theme, timecreated, timemodified, requested, enablecompletion, completionnotify, cacherev, originalcourseid, showactivitydates, showcompletionconditions, pdfexportfont"
    };
}

pub(crate) fn course_from(row: &Row) -> Result<Course, StoreError> {
    Ok(Course {
        id: row.int("id")?,
        category: row.int("category")?,
        sortorder: row.int("sortorder")?,
        fullname: row.text("fullname")?,
        shortname: row.text("shortname")?,
        idnumber: row.text("idnumber")?,
        summary: row.opt_text("summary")?,
        summaryformat: row.int("summaryformat")?,
        format: row.text("format")?,
        showgrades: row.int("showgrades")?,
        newsitems: row.int("newsitems")?,
        startdate: row.int("startdate")?,
        enddate: row.int("enddate")?,
        relativedatesmode: row.int("relativedatesmode")?,
        marker: row.int("marker")?,
        maxbytes: row.int("maxbytes")?,
        legacyfiles: row.int("legacyfiles")?,
        showreports: row.int("showreports")?,
        visible: row.int("visible")?,
        visibleold: row.int("visibleold")?,
        downloadcontent: row.opt_int("downloadcontent")?,
        groupmode: row.int("groupmode")?,
        groupmodeforce: row.int("groupmodeforce")?,
        defaultgroupingid: row.int("defaultgroupingid")?,
        lang: row.text("lang")?,
        calendartype: row.text("calendartype")?,
        theme: row.text("theme")?,
        timecreated: row.int("timecreated")?,
        timemodified: row.int("timemodified")?,
        requested: row.int("requested")?,
        enablecompletion: row.int("enablecompletion")?,
        completionnotify: row.int("completionnotify")?,
        cacherev: row.int("cacherev")?,
        originalcourseid: row.opt_int("originalcourseid")?,
        showactivitydates: row.int("showactivitydates")?,
        showcompletionconditions: row.opt_int("showcompletionconditions")?,
        pdfexportfont: row.opt_text("pdfexportfont")?,
    })
}

impl Store {
    /// The course with `id` (1 is the site course).
    pub async fn course_by_id(&self, id: i64) -> Result<Option<Course>, StoreError> {
        let sql =
            self.sql(concat!("SELECT id, ", course_columns!(), " FROM {course} WHERE id = ?"));
        let row = self.conn().await?.fetch_optional("course", &sql, args![id]).await?;
        row.as_ref().map(course_from).transpose()
    }
}

/// The values of `course_columns!` for `c`, in that order, with the given sort order, times and
/// cache revision (its own fields for the rest).
pub(crate) fn course_values(
    c: &Course,
    sortorder: i64,
    timecreated: i64,
    timemodified: i64,
    cacherev: i64,
) -> Vec<Arg> {
    args![
        c.category,
        sortorder,
        c.fullname.as_str(),
        c.shortname.as_str(),
        c.idnumber.as_str(),
        c.summary.as_deref(),
        c.summaryformat,
        c.format.as_str(),
        c.showgrades,
        c.newsitems,
        c.startdate,
        c.enddate,
        c.relativedatesmode,
        c.marker,
        c.maxbytes,
        c.legacyfiles,
        c.showreports,
        c.visible,
        c.visibleold,
        c.downloadcontent,
        c.groupmode,
        c.groupmodeforce,
        c.defaultgroupingid,
        c.lang.as_str(),
        c.calendartype.as_str(),
        c.theme.as_str(),
        timecreated,
        timemodified,
        c.requested,
        c.enablecompletion,
        c.completionnotify,
        cacherev,
        c.originalcourseid,
        c.showactivitydates,
        c.showcompletionconditions,
        c.pdfexportfont.as_deref()
    ]
}

/// A course to create: its row (`id`, `sortorder` and times are set here) and what Moodle's
/// `create_course` adds around it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCourse {
    /// The course row; `category` must exist.
    pub course: Course,
    /// Sections after the general section 0 (Moodle's `numsections`).
    pub numsections: i64,
    /// `course_format_options` rows for the course (section 0 options), name and value.
    pub format_options: Vec<(String, String)>,
}

/// An enrolment instance Moodle's `add_default_instance` gives a new course: the plugin, its
/// status (0 enabled, 1 disabled) and default role (spec 05 §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DefaultEnrol {
    /// Plugin name.
    pub enrol: String,
    /// 0 enabled, 1 disabled.
    pub status: i64,
    /// Default role of new enrolments (0 for none).
    pub roleid: i64,
    /// Default enrolment duration in seconds (0: unlimited).
    pub enrolperiod: i64,
    /// Expiry notification (0 off).
    pub expirynotify: i64,
    /// Seconds before expiry to notify.
    pub expirythreshold: i64,
    /// The plugin's `customint1` to `customint6` (self enrolment: group keys, inactivity
    /// limit, maximum enrolled, welcome message, cohort, new enrolments allowed).
    pub customint: [Option<i64>; 6],
}

impl Store {
    /// The course whose short name is `shortname`.
    pub async fn course_by_shortname(&self, shortname: &str) -> Result<Option<Course>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT id, ",
            course_columns!(),
            " FROM {course} WHERE shortname = ? ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("course", &sql, args![shortname]).await?;
        rows.first().map(course_from).transpose()
    }

    /// The course whose ID number is `idnumber`.
    pub async fn course_by_idnumber(&self, idnumber: &str) -> Result<Option<Course>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT id, ",
            course_columns!(),
            " FROM {course} WHERE idnumber = ? ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("course", &sql, args![idnumber]).await?;
        rows.first().map(course_from).transpose()
    }

    /// Creates `courses` in one transaction, as Moodle's `create_course` does each: the course
    /// goes first in its category (the category's courses move down one), gets its context below
    /// the category's, sections `0..=numsections`, its format options and one enrolment
    /// instance per entry of `enrols` (in that order). Returns the stored courses. A missing
    /// category is [`StoreError::NotFound`]; nothing is created then.
    pub async fn create_courses(
        &self,
        courses: &[NewCourse],
        enrols: &[DefaultEnrol],
    ) -> Result<Vec<Course>, StoreError> {
        let insert = self.insert_sql(concat!(
            "INSERT INTO {course} (",
            course_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \
             ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        let shift = self.sql("UPDATE {course} SET sortorder = sortorder + 1 WHERE category = ?");
        let count =
            self.sql("UPDATE {course_categories} SET coursecount = coursecount + 1 WHERE id = ?");
        let section = self.sql(
            "INSERT INTO {course_sections} (course, section, name, summary, summaryformat, \
             sequence, visible, timemodified) VALUES (?, ?, NULL, '', 1, '', 1, ?)",
        );
        let option = self.sql(
            "INSERT INTO {course_format_options} (courseid, format, sectionid, name, value) \
             VALUES (?, ?, 0, ?, ?)",
        );
        let enrol = self.sql(
            "INSERT INTO {enrol} (enrol, status, courseid, sortorder, roleid, enrolperiod, \
             expirynotify, expirythreshold, customint1, customint2, customint3, customint4, \
             customint5, customint6, timecreated, timemodified) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let select =
            self.sql(concat!("SELECT id, ", course_columns!(), " FROM {course} WHERE id = ?"));
        let mut tx = self.begin().await?;
        let mut stored = Vec::with_capacity(courses.len());
        for new in courses {
            let c = &new.course;
            let category = self
                .category_in(&mut tx, c.category)
                .await?
                .ok_or(StoreError::NotFound { entity: "course_categories", id: c.category })?;
            let parent = self
                .context_by_instance_in(&mut tx, CONTEXT_COURSECAT, category.id)
                .await?
                .ok_or(StoreError::NotFound { entity: "context", id: category.id })?;
            tx.execute("course", &shift, args![category.id]).await?;
            let time = now();
            let values = course_values(c, category.sortorder + 1, time, time, time);
            let id = tx.insert("course", &insert, values).await?;
            tx.execute("course_categories", &count, args![category.id]).await?;
            self.create_context_in(&mut tx, CONTEXT_COURSE, id, Some(parent.id)).await?;
            for number in 0..=new.numsections.max(0) {
                tx.execute("course_sections", &section, args![id, number, time]).await?;
            }
            for (name, value) in &new.format_options {
                let values = args![id, c.format.as_str(), name.as_str(), value.as_str()];
                tx.execute("course_format_options", &option, values).await?;
            }
            for (sortorder, default) in enrols.iter().enumerate() {
                let values = args![
                    default.enrol.as_str(),
                    default.status,
                    id,
                    sortorder as i64,
                    default.roleid,
                    default.enrolperiod,
                    default.expirynotify,
                    default.expirythreshold,
                    default.customint[0],
                    default.customint[1],
                    default.customint[2],
                    default.customint[3],
                    default.customint[4],
                    default.customint[5],
                    time,
                    time
                ];
                tx.execute("enrol", &enrol, values).await?;
            }
            let row = tx
                .fetch_optional("course", &select, args![id])
                .await?
                .ok_or(StoreError::NotFound { entity: "course", id })?;
            stored.push(course_from(&row)?);
        }
        tx.commit().await?;
        Ok(stored)
    }
}
