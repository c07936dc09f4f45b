//! Changing and deleting courses: Moodle's `update_course` and `delete_course` as far as the
//! tables Portico keeps are concerned.
//!
//! Each call is one transaction. Moving a course moves its context (and every context below it)
//! under the new category's and keeps the categories' course counts right; deleting a course
//! removes everything that hangs off it. This module must never decide who may change or delete
//! a course, nor check short name or ID number uniqueness (the functions do, with Moodle's
//! errors).

use std::collections::BTreeSet;

use crate::change::ChangeKind;
use crate::db::{Conn, args};
use crate::error::StoreError;
use crate::model::{CONTEXT_COURSE, CONTEXT_COURSECAT, Course, SITEID};
use crate::repo::course::{course_from, course_values};
use crate::store::{Store, now};

/// New values for a course: the whole row as it should be stored (`id` names the course; its
/// `sortorder`, `timecreated` and `cacherev` are kept or set here) and the format options to
/// set. When the format changes, the previous format's options are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CourseUpdate {
    /// The course row with its new values.
    pub course: Course,
    /// `course_format_options` of section 0 to set (added or replaced), name and value.
    pub format_options: Vec<(String, String)>,
}

impl Store {
    /// Writes `update` in one transaction and returns the stored course. A course moved to
    /// another category goes first in it (its sortorder and the other courses' move as in
    /// [`Store::create_courses`]), both categories' `coursecount` change, and the course
    /// context and the contexts below it move under the new category's context (`path` and
    /// `depth`), recorded as a context change. An unknown course or category is
    /// [`StoreError::NotFound`]; nothing is written then.
    pub async fn update_course(&self, update: &CourseUpdate) -> Result<Course, StoreError> {
        let c = &update.course;
        let select =
            self.sql(concat!("SELECT id, ", course_columns!(), " FROM {course} WHERE id = ?"));
        let write = self.sql(
            "UPDATE {course} SET category = ?, sortorder = ?, fullname = ?, shortname = ?, \
             idnumber = ?, summary = ?, summaryformat = ?, format = ?, showgrades = ?, \
             newsitems = ?, startdate = ?, enddate = ?, relativedatesmode = ?, marker = ?, \
             maxbytes = ?, legacyfiles = ?, showreports = ?, visible = ?, visibleold = ?, \
             downloadcontent = ?, groupmode = ?, groupmodeforce = ?, defaultgroupingid = ?, \
             lang = ?, calendartype = ?, theme = ?, timecreated = ?, timemodified = ?, requested = ?, \
             enablecompletion = ?, completionnotify = ?, cacherev = ?, originalcourseid = ?, \
             showactivitydates = ?, showcompletionconditions = ?, pdfexportfont = ? WHERE id = ?",
        );
        let delete_option = self.sql(
            "DELETE FROM {course_format_options} WHERE courseid = ? AND format = ? \
             AND sectionid = 0 AND name = ?",
        );
        let insert_option = self.sql(
            "INSERT INTO {course_format_options} (courseid, format, sectionid, name, value) \
             VALUES (?, ?, 0, ?, ?)",
        );
        let mut tx = self.begin().await?;
        let old = tx
            .fetch_optional("course", &select, args![c.id])
            .await?
            .ok_or(StoreError::NotFound { entity: "course", id: c.id })?;
        let old = course_from(&old)?;
        let mut sortorder = old.sortorder;
        if old.category != c.category {
            sortorder = self.move_course_in(&mut tx, &old, c.category).await?;
        }
        let time = now();
        // Moodle bumps the cache revision whenever a course changes.
        let cacherev = old.cacherev.max(time - 1) + 1;
        let mut values = course_values(c, sortorder, old.timecreated, time, cacherev);
        values.extend(args![c.id]);
        tx.execute("course", &write, values).await?;
        if old.format != c.format {
            // Moodle drops the options of the previous format.
            let drop =
                self.sql("DELETE FROM {course_format_options} WHERE courseid = ? AND format = ?");
            tx.execute("course_format_options", &drop, args![c.id, old.format.as_str()]).await?;
        }
        for (name, value) in &update.format_options {
            let key = args![c.id, c.format.as_str(), name.as_str()];
            tx.execute("course_format_options", &delete_option, key).await?;
            let values = args![c.id, c.format.as_str(), name.as_str(), value.as_str()];
            tx.execute("course_format_options", &insert_option, values).await?;
        }
        let row = tx
            .fetch_optional("course", &select, args![c.id])
            .await?
            .ok_or(StoreError::NotFound { entity: "course", id: c.id })?;
        let stored = course_from(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Moves `course` to `category` inside `tx`: course counts, sort orders and contexts.
    /// Returns the course's new sortorder.
    async fn move_course_in(
        &self,
        tx: &mut Conn,
        course: &Course,
        category: i64,
    ) -> Result<i64, StoreError> {
        let target = self
            .category_in(tx, category)
            .await?
            .ok_or(StoreError::NotFound { entity: "course_categories", id: category })?;
        let parent = self
            .context_by_instance_in(tx, CONTEXT_COURSECAT, target.id)
            .await?
            .ok_or(StoreError::NotFound { entity: "context", id: target.id })?;
        let context = self
            .context_by_instance_in(tx, CONTEXT_COURSE, course.id)
            .await?
            .ok_or(StoreError::NotFound { entity: "context", id: course.id })?;
        let shift = self.sql("UPDATE {course} SET sortorder = sortorder + 1 WHERE category = ?");
        let count =
            self.sql("UPDATE {course_categories} SET coursecount = coursecount + ? WHERE id = ?");
        tx.execute("course", &shift, args![target.id]).await?;
        tx.execute("course_categories", &count, args![-1_i64, course.category]).await?;
        tx.execute("course_categories", &count, args![1_i64, target.id]).await?;
        let old_path = context.path.clone().unwrap_or_else(|| format!("/{}", context.id));
        let parent_path = parent.path.clone().unwrap_or_else(|| format!("/{}", parent.id));
        let new_path = format!("{parent_path}/{}", context.id);
        let depth_change = parent.depth + 1 - context.depth;
        let below = self.sql("SELECT id, path, depth FROM {context} WHERE path LIKE ?");
        let set = self.sql("UPDATE {context} SET path = ?, depth = ? WHERE id = ?");
        let mut moved = vec![(context.id, new_path.clone(), parent.depth + 1)];
        for row in tx.fetch_all("context", &below, args![format!("{old_path}/%")]).await? {
            let path = row.text("path")?;
            let rest = path.strip_prefix(&old_path).unwrap_or_default();
            moved.push((
                row.int("id")?,
                format!("{new_path}{rest}"),
                row.int("depth")? + depth_change,
            ));
        }
        for (id, path, depth) in moved {
            tx.execute("context", &set, args![path.as_str(), depth, id]).await?;
            self.record_change(tx, ChangeKind::Context, id).await?;
        }
        Ok(target.sortorder + 1)
    }

    /// Deletes course `id` and everything that hangs off it in one transaction (Moodle's
    /// `delete_course`): its context and the contexts below it with their role assignments,
    /// overrides and role names, its sections and format options, its enrolment instances and
    /// user enrolments, its groups and their members, favourites of it and the users' last
    /// access to it; its category's `coursecount` drops by one. Role assignment and context
    /// changes are recorded. Returns `false`, writing nothing, when there is no such course; the
    /// site course is [`StoreError::Invalid`].
    pub async fn delete_course(&self, id: i64) -> Result<bool, StoreError> {
        if id == SITEID {
            return Err(StoreError::Invalid {
                what: "course",
                detail: "the site course cannot be deleted".into(),
            });
        }
        let select = self.sql("SELECT id, category FROM {course} WHERE id = ?");
        let mut tx = self.begin().await?;
        let Some(course) = tx.fetch_optional("course", &select, args![id]).await? else {
            return Ok(false);
        };
        let category = course.int("category")?;
        let mut contexts = Vec::new();
        if let Some(context) = self.context_by_instance_in(&mut tx, CONTEXT_COURSE, id).await? {
            let path = context.path.clone().unwrap_or_else(|| format!("/{}", context.id));
            let below = self.sql("SELECT id FROM {context} WHERE path LIKE ?");
            contexts.push(context.id);
            for row in tx.fetch_all("context", &below, args![format!("{path}/%")]).await? {
                contexts.push(row.int("id")?);
            }
        }
        let users_in =
            self.sql("SELECT DISTINCT userid FROM {role_assignments} WHERE contextid = ?");
        let per_context = [
            ("role_assignments", self.sql("DELETE FROM {role_assignments} WHERE contextid = ?")),
            ("role_capabilities", self.sql("DELETE FROM {role_capabilities} WHERE contextid = ?")),
            ("role_names", self.sql("DELETE FROM {role_names} WHERE contextid = ?")),
            ("favourite", self.sql("DELETE FROM {favourite} WHERE contextid = ?")),
            ("context", self.sql("DELETE FROM {context} WHERE id = ?")),
        ];
        let mut users = BTreeSet::new();
        for &contextid in &contexts {
            for row in tx.fetch_all("role_assignments", &users_in, args![contextid]).await? {
                users.insert(row.int("userid")?);
            }
            for (entity, sql) in &per_context {
                tx.execute(entity, sql, args![contextid]).await?;
            }
        }
        let per_course = [
            (
                "user_enrolments",
                self.sql(
                    "DELETE FROM {user_enrolments} WHERE enrolid IN \
                     (SELECT id FROM {enrol} WHERE courseid = ?)",
                ),
            ),
            ("enrol", self.sql("DELETE FROM {enrol} WHERE courseid = ?")),
            (
                "groups_members",
                self.sql(
                    "DELETE FROM {groups_members} WHERE groupid IN \
                     (SELECT id FROM {groups} WHERE courseid = ?)",
                ),
            ),
            ("groups", self.sql("DELETE FROM {groups} WHERE courseid = ?")),
            ("course_sections", self.sql("DELETE FROM {course_sections} WHERE course = ?")),
            (
                "course_format_options",
                self.sql("DELETE FROM {course_format_options} WHERE courseid = ?"),
            ),
            (
                "favourite",
                self.sql(
                    "DELETE FROM {favourite} WHERE component = 'core_course' \
                     AND itemtype = 'courses' AND itemid = ?",
                ),
            ),
            ("user_lastaccess", self.sql("DELETE FROM {user_lastaccess} WHERE courseid = ?")),
            ("course", self.sql("DELETE FROM {course} WHERE id = ?")),
        ];
        for (entity, sql) in &per_course {
            tx.execute(entity, sql, args![id]).await?;
        }
        let count = self.sql(
            "UPDATE {course_categories} SET coursecount = coursecount - 1 \
             WHERE id = ? AND coursecount > 0",
        );
        tx.execute("course_categories", &count, args![category]).await?;
        for userid in users {
            self.record_change(&mut tx, ChangeKind::RoleAssignment, userid).await?;
        }
        for contextid in contexts {
            self.record_change(&mut tx, ChangeKind::Context, contextid).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The section numbers of course `courseid`, in order.
    pub async fn course_section_numbers(&self, courseid: i64) -> Result<Vec<i64>, StoreError> {
        let sql =
            self.sql("SELECT section FROM {course_sections} WHERE course = ? ORDER BY section");
        let rows = self.conn().await?.fetch_all("course_sections", &sql, args![courseid]).await?;
        rows.iter().map(|row| row.int("section")).collect()
    }
}
