//! Course categories: the `course_categories` tree, its contexts and Moodle's global sort order.
//!
//! Moodle numbers categories depth-first, `10000` apart (`MAX_COURSES_IN_CATEGORY`), and gives
//! each course its category's number plus its place in the category; this module keeps that
//! numbering whenever a category is added. It must never decide who may see or manage a category.

use crate::change::ChangeKind;
use crate::db::{Conn, Row, args};
use crate::error::StoreError;
use crate::model::{CONTEXT_COURSECAT, CourseCategory};
use crate::store::{Store, now};

/// How far apart Moodle numbers sibling categories (`MAX_COURSES_IN_CATEGORY`).
pub const MAX_COURSES_IN_CATEGORY: i64 = 10_000;

macro_rules! category_columns {
    () => {
        "id, name, idnumber, description, descriptionformat, parent, sortorder, coursecount, \
         visible, visibleold, timemodified, depth, path, theme"
    };
}

pub(crate) fn category_from(row: &Row) -> Result<CourseCategory, StoreError> {
    Ok(CourseCategory {
        id: row.int("id")?,
        name: row.text("name")?,
        idnumber: row.opt_text("idnumber")?,
        description: row.opt_text("description")?,
        descriptionformat: row.int("descriptionformat")?,
        parent: row.int("parent")?,
        sortorder: row.int("sortorder")?,
        coursecount: row.int("coursecount")?,
        visible: row.int("visible")?,
        visibleold: row.int("visibleold")?,
        timemodified: row.int("timemodified")?,
        depth: row.int("depth")?,
        path: row.text("path")?,
        theme: row.opt_text("theme")?,
    })
}

/// A category to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCategory {
    /// Name (non-blank; the caller checks).
    pub name: String,
    /// Free identifier, unique when set (the caller checks).
    pub idnumber: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Format of `description`.
    pub descriptionformat: i64,
    /// Parent category, 0 for top level; must exist.
    pub parent: i64,
    /// Forced theme.
    pub theme: Option<String>,
    /// 1 when visible (a category below a hidden one is hidden too).
    pub visible: i64,
}

impl Store {
    /// The category with `id`.
    pub async fn category_by_id(&self, id: i64) -> Result<Option<CourseCategory>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            category_columns!(),
            " FROM {course_categories} WHERE id = ?"
        ));
        let row = self.conn().await?.fetch_optional("course_categories", &sql, args![id]).await?;
        row.as_ref().map(category_from).transpose()
    }

    /// The category whose `idnumber` is `idnumber`.
    pub async fn category_by_idnumber(
        &self,
        idnumber: &str,
    ) -> Result<Option<CourseCategory>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            category_columns!(),
            " FROM {course_categories} WHERE idnumber = ? ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("course_categories", &sql, args![idnumber]).await?;
        rows.first().map(category_from).transpose()
    }

    /// Every category, in Moodle's sort order.
    pub async fn list_categories(&self) -> Result<Vec<CourseCategory>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            category_columns!(),
            " FROM {course_categories} ORDER BY sortorder, id"
        ));
        let rows = self.conn().await?.fetch_all("course_categories", &sql, args![]).await?;
        rows.iter().map(category_from).collect()
    }

    /// Creates `categories` in one transaction, in order (a category may name one created
    /// earlier in the batch as its parent), each with its context below its parent's; returns
    /// them as stored. A missing parent is [`StoreError::NotFound`] and nothing is created.
    pub async fn create_categories(
        &self,
        categories: &[NewCategory],
    ) -> Result<Vec<CourseCategory>, StoreError> {
        let insert = self.insert_sql(
            "INSERT INTO {course_categories} (name, idnumber, description, descriptionformat, \
             parent, sortorder, coursecount, visible, visibleold, timemodified, depth, path, theme) \
             VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, '', ?)",
        );
        let set_path = self.sql("UPDATE {course_categories} SET path = ? WHERE id = ?");
        let mut tx = self.begin().await?;
        let mut created = Vec::with_capacity(categories.len());
        for new in categories {
            let (parent_path, depth, parent_context, parent_visible) = if new.parent == 0 {
                (String::new(), 1, None, 1)
            } else {
                let parent = self
                    .category_in(&mut tx, new.parent)
                    .await?
                    .ok_or(StoreError::NotFound { entity: "course_categories", id: new.parent })?;
                let context = self
                    .context_by_instance_in(&mut tx, CONTEXT_COURSECAT, parent.id)
                    .await?
                    .ok_or(StoreError::NotFound { entity: "context", id: parent.id })?;
                (parent.path, parent.depth + 1, Some(context.id), parent.visible)
            };
            let visible = i64::from(new.visible != 0 && parent_visible != 0);
            let values = args![
                new.name.as_str(),
                new.idnumber.as_deref(),
                new.description.as_deref(),
                new.descriptionformat,
                new.parent,
                // Moodle's "not yet numbered" mark: sorts after every sibling.
                MAX_COURSES_IN_CATEGORY * MAX_COURSES_IN_CATEGORY,
                visible,
                new.visible,
                now(),
                depth,
                new.theme.as_deref()
            ];
            let id = tx.insert("course_categories", &insert, values).await?;
            let path = format!("{parent_path}/{id}");
            tx.execute("course_categories", &set_path, args![path.as_str(), id]).await?;
            self.create_context_in(&mut tx, CONTEXT_COURSECAT, id, parent_context).await?;
            self.renumber_categories(&mut tx).await?;
            created.push(id);
        }
        let mut stored = Vec::with_capacity(created.len());
        for id in created {
            let category = self
                .category_in(&mut tx, id)
                .await?
                .ok_or(StoreError::NotFound { entity: "course_categories", id })?;
            stored.push(category);
        }
        self.record_change(&mut tx, ChangeKind::Context, 0).await?;
        tx.commit().await?;
        Ok(stored)
    }

    pub(crate) async fn category_in(
        &self,
        tx: &mut Conn,
        id: i64,
    ) -> Result<Option<CourseCategory>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            category_columns!(),
            " FROM {course_categories} WHERE id = ?"
        ));
        let row = tx.fetch_optional("course_categories", &sql, args![id]).await?;
        row.as_ref().map(category_from).transpose()
    }

    /// Moodle's `fix_course_sortorder` for categories: numbers the tree depth-first (siblings by
    /// their current order, then id), `MAX_COURSES_IN_CATEGORY` apart, and moves each moved
    /// category's courses with it.
    pub(crate) async fn renumber_categories(&self, tx: &mut Conn) -> Result<(), StoreError> {
        let sql = self
            .sql("SELECT id, parent, sortorder FROM {course_categories} ORDER BY sortorder, id");
        let rows = tx.fetch_all("course_categories", &sql, args![]).await?;
        let mut nodes = Vec::with_capacity(rows.len());
        for row in &rows {
            nodes.push((row.int("id")?, row.int("parent")?, row.int("sortorder")?));
        }
        let mut order = Vec::with_capacity(nodes.len());
        let mut stack: Vec<i64> = nodes
            .iter()
            .filter(|(_, parent, _)| *parent == 0 || !nodes.iter().any(|(id, ..)| id == parent))
            .map(|(id, ..)| *id)
            .rev()
            .collect();
        while let Some(id) = stack.pop() {
            order.push(id);
            let children = nodes.iter().filter(|(_, parent, _)| *parent == id).map(|(id, ..)| *id);
            let children: Vec<i64> = children.collect();
            stack.extend(children.into_iter().rev());
        }
        let update = self.sql("UPDATE {course_categories} SET sortorder = ? WHERE id = ?");
        let shift = self.sql("UPDATE {course} SET sortorder = sortorder + ? WHERE category = ?");
        for (index, id) in order.iter().enumerate() {
            let wanted = (index as i64 + 1) * MAX_COURSES_IN_CATEGORY;
            let current = nodes.iter().find(|(node, ..)| node == id).map_or(wanted, |n| n.2);
            if current != wanted {
                tx.execute("course_categories", &update, args![wanted, *id]).await?;
                if current < MAX_COURSES_IN_CATEGORY * MAX_COURSES_IN_CATEGORY {
                    tx.execute("course", &shift, args![wanted - current, *id]).await?;
                }
            }
        }
        Ok(())
    }
}
