//! Assigning roles by hand: which roles a user may assign (`role_allow_assign` and
//! `role_context_levels`, spec 05 §2.3) and batches of manual role assignments.
//!
//! Every batch runs in one transaction and reports each user's change on the change feed. This
//! module must never decide whether a caller holds `moodle/role:assign`: that is
//! `portico-access`; it only answers from the allow-assign matrix.

use crate::change::ChangeKind;
use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::Role;
use crate::repo::role::NewRoleAssignment;
use crate::store::{Store, now};

fn role_from(row: &Row) -> Result<Role, StoreError> {
    Ok(Role {
        id: row.int("id")?,
        name: row.text("name")?,
        shortname: row.text("shortname")?,
        description: row.text("description")?,
        sortorder: row.int("sortorder")?,
        archetype: row.text("archetype")?,
    })
}

/// One manual role assignment to remove (component '' and item 0, as Moodle's `role_unassign`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleUnassignment {
    /// The role.
    pub roleid: i64,
    /// The user.
    pub userid: i64,
    /// The context.
    pub contextid: i64,
}

/// Who asks which roles they may assign, for [`Store::assignable_roles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigner<'a> {
    /// A site administrator: every role allowed at the level.
    SiteAdmin,
    /// A user, through the roles they hold in the given contexts (the target context and its
    /// ancestors).
    User {
        /// The user.
        userid: i64,
        /// Ids of the contexts on the target's chain.
        contexts: &'a [i64],
    },
}

impl Store {
    /// Moodle's `get_assignable_roles` without the capability check: the roles that may be
    /// assigned at `contextlevel` (`role_context_levels`) and, unless `assigner` is a site
    /// administrator, that some role the user holds (explicitly) in `contexts` may assign
    /// (`role_allow_assign`); by sort order.
    pub async fn assignable_roles(
        &self,
        contextlevel: i64,
        assigner: Assigner<'_>,
    ) -> Result<Vec<Role>, StoreError> {
        let mut conn = self.conn().await?;
        let roles = match assigner {
            Assigner::SiteAdmin => {
                let sql = self.sql(
                    "SELECT r.id, r.name, r.shortname, r.description, r.sortorder, r.archetype \
                     FROM {role} r JOIN {role_context_levels} rcl ON rcl.roleid = r.id \
                     WHERE rcl.contextlevel = ? ORDER BY r.sortorder",
                );
                conn.fetch_all("role", &sql, args![contextlevel]).await?
            }
            Assigner::User { userid, contexts } => {
                let sql = self.sql(
                    "SELECT r.id, r.name, r.shortname, r.description, r.sortorder, r.archetype \
                     FROM {role} r JOIN {role_context_levels} rcl ON rcl.roleid = r.id \
                     WHERE rcl.contextlevel = ? AND r.id IN (SELECT raa.allowassign \
                     FROM {role_allow_assign} raa JOIN {role_assignments} ra \
                     ON ra.roleid = raa.roleid WHERE ra.userid = ? AND ra.contextid = ?) \
                     ORDER BY r.sortorder",
                );
                // One indexed query per context on the chain (a handful), merged by sort order.
                let mut rows = Vec::new();
                for &contextid in contexts {
                    let found = conn
                        .fetch_all("role", &sql, args![contextlevel, userid, contextid])
                        .await?;
                    rows.extend(found);
                }
                rows
            }
        };
        let mut roles: Vec<Role> = roles.iter().map(role_from).collect::<Result<_, _>>()?;
        roles.sort_by_key(|role| role.sortorder);
        roles.dedup_by_key(|role| role.id);
        Ok(roles)
    }

    /// The name course context `contextid` gives role `roleid` (`role_names`), if any.
    pub async fn role_alias(
        &self,
        roleid: i64,
        contextid: i64,
    ) -> Result<Option<String>, StoreError> {
        let sql = self.sql("SELECT name FROM {role_names} WHERE roleid = ? AND contextid = ?");
        let row =
            self.conn().await?.fetch_optional("role_names", &sql, args![roleid, contextid]).await?;
        row.map(|row| row.text("name")).transpose()
    }

    /// Makes every assignment of `assignments` in one transaction; an identical assignment that
    /// exists already is left as it is (Moodle's `role_assign` is idempotent).
    pub async fn assign_roles(&self, assignments: &[NewRoleAssignment]) -> Result<(), StoreError> {
        let insert = self.sql(
            "INSERT INTO {role_assignments} \
             (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 0) \
             ON CONFLICT (userid, contextid, roleid, component, itemid) DO NOTHING",
        );
        let mut tx = self.begin().await?;
        for a in assignments {
            let values = args![
                a.roleid,
                a.contextid,
                a.userid,
                now(),
                a.modifierid,
                a.component.as_str(),
                a.itemid
            ];
            tx.execute("role_assignments", &insert, values).await?;
            self.record_change(&mut tx, ChangeKind::RoleAssignment, a.userid).await?;
        }
        tx.commit().await
    }

    /// Removes the manual assignments (component '', item 0) of `unassignments` in one
    /// transaction; one that does not exist is skipped.
    pub async fn unassign_roles(
        &self,
        unassignments: &[RoleUnassignment],
    ) -> Result<(), StoreError> {
        let delete = self.sql(
            "DELETE FROM {role_assignments} WHERE roleid = ? AND userid = ? AND contextid = ? \
             AND component = '' AND itemid = 0",
        );
        let mut tx = self.begin().await?;
        for u in unassignments {
            tx.execute("role_assignments", &delete, args![u.roleid, u.userid, u.contextid]).await?;
            self.record_change(&mut tx, ChangeKind::RoleAssignment, u.userid).await?;
        }
        tx.commit().await
    }
}
