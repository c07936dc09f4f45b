//! Course groups: the `groups` of a course and their `groups_members`.
//!
//! This module writes groups and memberships in one transaction per batch and answers lookups by
//! id, name and idnumber. It must never decide who may manage a group or whether a user may
//! join one (enrolment, capabilities): the functions check that before calling.

use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::{Group, GroupMember};
use crate::store::{Store, now};

macro_rules! group_columns {
    () => {
        "id, courseid, idnumber, name, description, descriptionformat, enrolmentkey, picture, \
         visibility, participation, timecreated, timemodified"
    };
}

fn group_from(row: &Row) -> Result<Group, StoreError> {
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

fn member_from(row: &Row) -> Result<GroupMember, StoreError> {
    Ok(GroupMember {
        id: row.int("id")?,
        groupid: row.int("groupid")?,
        userid: row.int("userid")?,
        timeadded: row.int("timeadded")?,
        component: row.text("component")?,
        itemid: row.int("itemid")?,
    })
}

/// A group to create (Moodle's `groups_create_group` without the form).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewGroup {
    /// The course; must exist (the caller checks).
    pub courseid: i64,
    /// Free identifier, '' for none; unique in the course when set (the caller checks).
    pub idnumber: String,
    /// Name, unique in the course (the caller checks).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Format of `description`.
    pub descriptionformat: i64,
    /// Enrolment key, `None` for none.
    pub enrolmentkey: Option<String>,
    /// Visibility (0 all, 1 members, 2 own membership, 3 none).
    pub visibility: i64,
    /// 1 when the group is offered for activity participation.
    pub participation: i64,
}

/// One membership to add or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupMembership {
    /// The group.
    pub groupid: i64,
    /// The user.
    pub userid: i64,
}

impl Store {
    /// The group with `id`.
    pub async fn group_by_id(&self, id: i64) -> Result<Option<Group>, StoreError> {
        let sql = self.sql(concat!("SELECT ", group_columns!(), " FROM {groups} WHERE id = ?"));
        let row = self.conn().await?.fetch_optional("groups", &sql, args![id]).await?;
        row.as_ref().map(group_from).transpose()
    }

    /// The first group of course `courseid` named exactly `name`.
    pub async fn group_by_name(
        &self,
        courseid: i64,
        name: &str,
    ) -> Result<Option<Group>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            group_columns!(),
            " FROM {groups} WHERE courseid = ? AND name = ? ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("groups", &sql, args![courseid, name]).await?;
        rows.first().map(group_from).transpose()
    }

    /// The first group of course `courseid` whose idnumber is `idnumber`.
    pub async fn group_by_idnumber(
        &self,
        courseid: i64,
        idnumber: &str,
    ) -> Result<Option<Group>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            group_columns!(),
            " FROM {groups} WHERE courseid = ? AND idnumber = ? ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("groups", &sql, args![courseid, idnumber]).await?;
        rows.first().map(group_from).transpose()
    }

    /// The groups of course `courseid`, by name (Moodle's `groups_get_all_groups` order).
    pub async fn course_groups(&self, courseid: i64) -> Result<Vec<Group>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            group_columns!(),
            " FROM {groups} WHERE courseid = ? ORDER BY name, id"
        ));
        let rows = self.conn().await?.fetch_all("groups", &sql, args![courseid]).await?;
        rows.iter().map(group_from).collect()
    }

    /// Creates `groups` in one transaction, in order, and returns them as stored.
    pub async fn create_groups(&self, groups: &[NewGroup]) -> Result<Vec<Group>, StoreError> {
        let insert = self.insert_sql(
            "INSERT INTO {groups} (courseid, idnumber, name, description, descriptionformat, \
             enrolmentkey, picture, visibility, participation, timecreated, timemodified) \
             VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
        );
        let select = self.sql(concat!("SELECT ", group_columns!(), " FROM {groups} WHERE id = ?"));
        let mut tx = self.begin().await?;
        let mut created = Vec::with_capacity(groups.len());
        for new in groups {
            let time = now();
            let values = args![
                new.courseid,
                new.idnumber.as_str(),
                new.name.as_str(),
                new.description.as_deref(),
                new.descriptionformat,
                new.enrolmentkey.as_deref(),
                new.visibility,
                new.participation,
                time,
                time
            ];
            let id = tx.insert("groups", &insert, values).await?;
            let row = tx
                .fetch_optional("groups", &select, args![id])
                .await?
                .ok_or(StoreError::NotFound { entity: "groups", id })?;
            created.push(group_from(&row)?);
        }
        tx.commit().await?;
        Ok(created)
    }

    /// The membership of `userid` in group `groupid`.
    pub async fn group_member(
        &self,
        groupid: i64,
        userid: i64,
    ) -> Result<Option<GroupMember>, StoreError> {
        let sql = self.sql(
            "SELECT id, groupid, userid, timeadded, component, itemid FROM {groups_members} \
             WHERE groupid = ? AND userid = ?",
        );
        let row = self
            .conn()
            .await?
            .fetch_optional("groups_members", &sql, args![groupid, userid])
            .await?;
        row.as_ref().map(member_from).transpose()
    }

    /// The memberships of group `groupid`, oldest first.
    pub async fn group_members(&self, groupid: i64) -> Result<Vec<GroupMember>, StoreError> {
        let sql = self.sql(
            "SELECT id, groupid, userid, timeadded, component, itemid FROM {groups_members} \
             WHERE groupid = ? ORDER BY id",
        );
        let rows = self.conn().await?.fetch_all("groups_members", &sql, args![groupid]).await?;
        rows.iter().map(member_from).collect()
    }

    /// Adds every membership of `members` in one transaction (Moodle's `groups_add_member`),
    /// managed by plugin `component` and its instance `itemid` ('' and 0 for memberships made
    /// by hand): an existing membership is left as it is; a new one touches its group's
    /// `timemodified`.
    pub async fn add_group_members(
        &self,
        members: &[GroupMembership],
        component: &str,
        itemid: i64,
    ) -> Result<(), StoreError> {
        let insert = self.sql(
            "INSERT INTO {groups_members} (groupid, userid, timeadded, component, itemid) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (userid, groupid) DO NOTHING",
        );
        let touch = self.sql("UPDATE {groups} SET timemodified = ? WHERE id = ?");
        let mut tx = self.begin().await?;
        for member in members {
            let time = now();
            let added = tx
                .execute(
                    "groups_members",
                    &insert,
                    args![member.groupid, member.userid, time, component, itemid],
                )
                .await?;
            if added > 0 {
                tx.execute("groups", &touch, args![time, member.groupid]).await?;
            }
        }
        tx.commit().await
    }

    /// Removes every membership of `members` in one transaction (Moodle's
    /// `groups_remove_member`): a missing one is ignored; a removed one touches its group's
    /// `timemodified`.
    pub async fn remove_group_members(
        &self,
        members: &[GroupMembership],
    ) -> Result<(), StoreError> {
        let delete = self.sql("DELETE FROM {groups_members} WHERE groupid = ? AND userid = ?");
        let touch = self.sql("UPDATE {groups} SET timemodified = ? WHERE id = ?");
        let mut tx = self.begin().await?;
        for member in members {
            let removed =
                tx.execute("groups_members", &delete, args![member.groupid, member.userid]).await?;
            if removed > 0 {
                tx.execute("groups", &touch, args![now(), member.groupid]).await?;
            }
        }
        tx.commit().await
    }
}
