//! Courses: the `course` table (the site course is id 1).
//!
//! Creating a course also creates its context below its category's, in one transaction, as
//! Moodle does. This module must never decide who may see or change a course.

use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::Course;
use crate::store::Store;

macro_rules! course_columns {
    () => {
        "category, sortorder, fullname, shortname, idnumber, summary, summaryformat, format, showgrades, newsitems, startdate, enddate, relativedatesmode, marker, maxbytes, legacyfiles, showreports, visible, visibleold, downloadcontent, groupmode, groupmodeforce, defaultgroupingid, lang, calendartype, theme, timecreated, timemodified, requested, enablecompletion, completionnotify, cacherev, originalcourseid, showactivitydates, showcompletionconditions, pdfexportfont"
    };
}

fn course_from(row: &Row) -> Result<Course, StoreError> {
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
