//! Leaving and joining courses beyond [`Store::enrol_users`]: unenrolment (Moodle's
//! `enrol_plugin::unenrol_user`), self-enrolment with a group key, and the reads the self
//! enrolment rules need (an existing enrolment, the number of enrolments, cohort membership).
//!
//! Each write runs in one transaction and reports role changes on the change feed. This module
//! must never decide whether an enrolment is allowed: the functions apply the plugins' rules.

use crate::change::ChangeKind;
use crate::db::args;
use crate::error::StoreError;
use crate::model::{CONTEXT_COURSE, Enrol};
use crate::repo::enrolment::NewEnrolment;
use crate::store::{Store, now};

/// One user enrolment to end, for [`Store::unenrol_users`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unenrolment {
    /// The enrolment instance.
    pub enrolid: i64,
    /// The user.
    pub userid: i64,
}

impl Store {
    /// Ends every enrolment of `unenrolments` in one transaction, as Moodle's `unenrol_user`:
    /// the user's group memberships and role assignments owned by the instance go, then the
    /// enrolment; when the user has no other enrolment in the course, every role assignment of
    /// the user in the course context and below, their memberships of the course's groups and
    /// their last access to the course go too. A user not enrolled in the instance is skipped.
    /// An unknown instance is [`StoreError::NotFound`]; nothing is written then.
    pub async fn unenrol_users(&self, unenrolments: &[Unenrolment]) -> Result<(), StoreError> {
        let instance = self.sql("SELECT courseid, enrol FROM {enrol} WHERE id = ?");
        let enrolment =
            self.sql("SELECT id FROM {user_enrolments} WHERE enrolid = ? AND userid = ?");
        let owned_groups = self
            .sql("DELETE FROM {groups_members} WHERE userid = ? AND component = ? AND itemid = ?");
        let owned_roles = self.sql(
            "DELETE FROM {role_assignments} WHERE userid = ? AND contextid = ? AND component = ? \
             AND itemid = ?",
        );
        let delete = self.sql("DELETE FROM {user_enrolments} WHERE id = ?");
        let others = self.sql(
            "SELECT ue.id FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid \
             WHERE e.courseid = ? AND ue.userid = ?",
        );
        let all_roles = self.sql(
            "DELETE FROM {role_assignments} WHERE userid = ? AND contextid IN \
             (SELECT id FROM {context} WHERE id = ? OR path LIKE ?)",
        );
        let all_groups = self.sql(
            "DELETE FROM {groups_members} WHERE userid = ? AND groupid IN \
             (SELECT id FROM {groups} WHERE courseid = ?)",
        );
        let lastaccess =
            self.sql("DELETE FROM {user_lastaccess} WHERE userid = ? AND courseid = ?");
        let mut tx = self.begin().await?;
        for u in unenrolments {
            let row = tx
                .fetch_optional("enrol", &instance, args![u.enrolid])
                .await?
                .ok_or(StoreError::NotFound { entity: "enrol", id: u.enrolid })?;
            let courseid = row.int("courseid")?;
            let component = format!("enrol_{}", row.text("enrol")?);
            let Some(found) = tx
                .fetch_optional("user_enrolments", &enrolment, args![u.enrolid, u.userid])
                .await?
            else {
                continue;
            };
            let context = self
                .context_by_instance_in(&mut tx, CONTEXT_COURSE, courseid)
                .await?
                .ok_or(StoreError::NotFound { entity: "context", id: courseid })?;
            let values = args![u.userid, component.as_str(), u.enrolid];
            tx.execute("groups_members", &owned_groups, values).await?;
            let values = args![u.userid, context.id, component.as_str(), u.enrolid];
            tx.execute("role_assignments", &owned_roles, values).await?;
            tx.execute("user_enrolments", &delete, args![found.int("id")?]).await?;
            let remaining =
                tx.fetch_all("user_enrolments", &others, args![courseid, u.userid]).await?;
            if remaining.is_empty() {
                let below = format!("{}/%", context.path.as_deref().unwrap_or_default());
                let values = args![u.userid, context.id, below];
                tx.execute("role_assignments", &all_roles, values).await?;
                tx.execute("groups_members", &all_groups, args![u.userid, courseid]).await?;
                tx.execute("user_lastaccess", &lastaccess, args![u.userid, courseid]).await?;
            }
            self.record_change(&mut tx, ChangeKind::RoleAssignment, u.userid).await?;
        }
        tx.commit().await
    }

    /// Self-enrolment in one transaction (Moodle's `enrol_self`): the enrolment as
    /// [`Store::enrol_users`] makes it, then, for a group enrolment key, membership of group
    /// `groupid` (component '', as `groups_add_member`; kept if it exists).
    pub async fn self_enrol(
        &self,
        enrolment: &NewEnrolment,
        groupid: Option<i64>,
    ) -> Result<(), StoreError> {
        let member = self.sql(
            "INSERT INTO {groups_members} (groupid, userid, timeadded, component, itemid) \
             VALUES (?, ?, ?, '', 0) ON CONFLICT (userid, groupid) DO NOTHING",
        );
        let mut tx = self.begin().await?;
        self.enrol_in(&mut tx, enrolment).await?;
        if let Some(groupid) = groupid {
            tx.execute("groups_members", &member, args![groupid, enrolment.userid, now()]).await?;
        }
        tx.commit().await
    }

    /// Stores the settings of enrolment instance `instance.id` (Moodle's `update_instance`):
    /// status, name, key, role, duration, enrolment window and the plugin's custom integers and
    /// texts. An unknown instance is [`StoreError::NotFound`].
    pub async fn update_enrol_instance(&self, instance: &Enrol) -> Result<(), StoreError> {
        let sql = self.sql(
            "UPDATE {enrol} SET status = ?, name = ?, password = ?, roleid = ?, enrolperiod = ?, \
             enrolstartdate = ?, enrolenddate = ?, customint1 = ?, customint2 = ?, \
             customint3 = ?, customint4 = ?, customint5 = ?, customint6 = ?, customint7 = ?, \
             customint8 = ?, customchar1 = ?, customchar2 = ?, customchar3 = ?, \
             customtext1 = ?, customtext2 = ?, customtext3 = ?, customtext4 = ?, \
             timemodified = ? WHERE id = ?",
        );
        let e = instance;
        let values = args![
            e.status,
            &e.name,
            &e.password,
            e.roleid,
            e.enrolperiod,
            e.enrolstartdate,
            e.enrolenddate,
            e.customint1,
            e.customint2,
            e.customint3,
            e.customint4,
            e.customint5,
            e.customint6,
            e.customint7,
            e.customint8,
            &e.customchar1,
            &e.customchar2,
            &e.customchar3,
            &e.customtext1,
            &e.customtext2,
            &e.customtext3,
            &e.customtext4,
            now(),
            e.id
        ];
        let mut tx = self.begin().await?;
        if tx.execute("enrol", &sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "enrol", id: e.id });
        }
        tx.commit().await
    }

    /// Whether `userid` has an enrolment (any status) in instance `enrolid`.
    pub async fn has_user_enrolment(&self, enrolid: i64, userid: i64) -> Result<bool, StoreError> {
        let sql = self.sql("SELECT id FROM {user_enrolments} WHERE enrolid = ? AND userid = ?");
        let row = self
            .conn()
            .await?
            .fetch_optional("user_enrolments", &sql, args![enrolid, userid])
            .await?;
        Ok(row.is_some())
    }

    /// How many users are enrolled (any status) in instance `enrolid`.
    pub async fn count_user_enrolments(&self, enrolid: i64) -> Result<i64, StoreError> {
        let sql = self.sql("SELECT COUNT(*) AS total FROM {user_enrolments} WHERE enrolid = ?");
        let row =
            self.conn().await?.fetch_optional("user_enrolments", &sql, args![enrolid]).await?;
        row.map_or(Ok(0), |row| row.int("total"))
    }

    /// The name of cohort `cohortid` and whether `userid` is one of its members; `None` when
    /// the cohort does not exist.
    pub async fn cohort_membership(
        &self,
        cohortid: i64,
        userid: i64,
    ) -> Result<Option<(String, bool)>, StoreError> {
        let cohort = self.sql("SELECT name FROM {cohort} WHERE id = ?");
        let member = self.sql("SELECT id FROM {cohort_members} WHERE cohortid = ? AND userid = ?");
        let mut conn = self.conn().await?;
        let Some(row) = conn.fetch_optional("cohort", &cohort, args![cohortid]).await? else {
            return Ok(None);
        };
        let name = row.text("name")?;
        let is_member = conn
            .fetch_optional("cohort_members", &member, args![cohortid, userid])
            .await?
            .is_some();
        Ok(Some((name, is_member)))
    }
}
