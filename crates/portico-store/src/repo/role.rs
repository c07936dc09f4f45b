//! Roles, their permissions (`role_capabilities`), role assignments and capability definitions.
//!
//! Setting a permission to `CAP_INHERIT` deletes its row, as Moodle does. Permission and
//! assignment changes are reported on the change feed. This module must never evaluate
//! `has_capability`: it returns rows, `portico-access` decides.

use crate::change::ChangeKind;
use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::{CAP_INHERIT, Capability, Role, RoleAssignment, RoleCapability};
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

fn role_capability_from(row: &Row) -> Result<RoleCapability, StoreError> {
    Ok(RoleCapability {
        id: row.int("id")?,
        contextid: row.int("contextid")?,
        roleid: row.int("roleid")?,
        capability: row.text("capability")?,
        permission: row.int("permission")?,
        timemodified: row.int("timemodified")?,
        modifierid: row.int("modifierid")?,
    })
}

fn role_assignment_from(row: &Row) -> Result<RoleAssignment, StoreError> {
    Ok(RoleAssignment {
        id: row.int("id")?,
        roleid: row.int("roleid")?,
        contextid: row.int("contextid")?,
        userid: row.int("userid")?,
        timemodified: row.int("timemodified")?,
        modifierid: row.int("modifierid")?,
        component: row.text("component")?,
        itemid: row.int("itemid")?,
        sortorder: row.int("sortorder")?,
    })
}

fn capability_from(row: &Row) -> Result<Capability, StoreError> {
    Ok(Capability {
        id: row.int("id")?,
        name: row.text("name")?,
        captype: row.text("captype")?,
        contextlevel: row.int("contextlevel")?,
        component: row.text("component")?,
        riskbitmask: row.int("riskbitmask")?,
    })
}

/// A new role assignment, for [`Store::assign_role`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRoleAssignment {
    /// The role.
    pub roleid: i64,
    /// The user.
    pub userid: i64,
    /// The context.
    pub contextid: i64,
    /// Owning plugin, empty for a manual assignment.
    pub component: String,
    /// Owning instance, 0 for a manual assignment.
    pub itemid: i64,
    /// Who assigns it.
    pub modifierid: i64,
}

impl Store {
    /// Every role, by sort order.
    pub async fn list_roles(&self) -> Result<Vec<Role>, StoreError> {
        let sql = self.sql(
            "SELECT id, name, shortname, description, sortorder, archetype FROM {role} \
             ORDER BY sortorder",
        );
        let rows = self.conn().await?.fetch_all("role", &sql, args![]).await?;
        rows.iter().map(role_from).collect()
    }

    /// The role with `id`.
    pub async fn role_by_id(&self, id: i64) -> Result<Option<Role>, StoreError> {
        let sql = self.sql(
            "SELECT id, name, shortname, description, sortorder, archetype FROM {role} WHERE id = ?",
        );
        let row = self.conn().await?.fetch_optional("role", &sql, args![id]).await?;
        row.as_ref().map(role_from).transpose()
    }

    /// The role with short name `shortname`.
    pub async fn role_by_shortname(&self, shortname: &str) -> Result<Option<Role>, StoreError> {
        let sql = self.sql(
            "SELECT id, name, shortname, description, sortorder, archetype FROM {role} \
             WHERE shortname = ?",
        );
        let row = self.conn().await?.fetch_optional("role", &sql, args![shortname]).await?;
        row.as_ref().map(role_from).transpose()
    }

    /// Creates a role after the existing ones; its `id` and `sortorder` are chosen here.
    pub async fn create_role(
        &self,
        name: &str,
        shortname: &str,
        description: &str,
        archetype: &str,
    ) -> Result<Role, StoreError> {
        let next = self.sql("SELECT COALESCE(MAX(sortorder), 0) + 1 AS next FROM {role}");
        let insert = self.insert_sql(
            "INSERT INTO {role} (name, shortname, description, sortorder, archetype) \
             VALUES (?, ?, ?, ?, ?)",
        );
        let mut tx = self.begin().await?;
        let sortorder = match tx.fetch_optional("role", &next, args![]).await? {
            Some(row) => row.int("next")?,
            None => 1,
        };
        let id = tx
            .insert("role", &insert, args![name, shortname, description, sortorder, archetype])
            .await?;
        tx.commit().await?;
        Ok(Role {
            id,
            name: name.to_owned(),
            shortname: shortname.to_owned(),
            description: description.to_owned(),
            sortorder,
            archetype: archetype.to_owned(),
        })
    }

    /// The context levels where role `roleid` can be assigned (`role_context_levels`).
    pub async fn role_context_levels(&self, roleid: i64) -> Result<Vec<i64>, StoreError> {
        let sql = self.sql(
            "SELECT contextlevel FROM {role_context_levels} WHERE roleid = ? ORDER BY contextlevel",
        );
        let rows = self.conn().await?.fetch_all("role_context_levels", &sql, args![roleid]).await?;
        rows.iter().map(|row| row.int("contextlevel")).collect()
    }

    /// Sets the permission of role `roleid` for `capability` in context `contextid`;
    /// `CAP_INHERIT` removes the row.
    pub async fn set_role_capability(
        &self,
        roleid: i64,
        contextid: i64,
        capability: &str,
        permission: i64,
        modifierid: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        if permission == CAP_INHERIT {
            let sql = self.sql(
                "DELETE FROM {role_capabilities} WHERE roleid = ? AND contextid = ? \
                 AND capability = ?",
            );
            tx.execute("role_capabilities", &sql, args![roleid, contextid, capability]).await?;
        } else {
            let sql = self.sql(
                "INSERT INTO {role_capabilities} \
                 (contextid, roleid, capability, permission, timemodified, modifierid) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (roleid, contextid, capability) \
                 DO UPDATE SET permission = excluded.permission, \
                 timemodified = excluded.timemodified, modifierid = excluded.modifierid",
            );
            let values = args![contextid, roleid, capability, permission, now(), modifierid];
            tx.execute("role_capabilities", &sql, values).await?;
        }
        self.record_change(&mut tx, ChangeKind::Role, roleid).await?;
        tx.commit().await
    }

    /// The permissions defined or overridden in context `contextid`.
    pub async fn role_capabilities_in_context(
        &self,
        contextid: i64,
    ) -> Result<Vec<RoleCapability>, StoreError> {
        let sql = self.sql(
            "SELECT id, contextid, roleid, capability, permission, timemodified, modifierid \
             FROM {role_capabilities} WHERE contextid = ? ORDER BY roleid, capability",
        );
        let rows =
            self.conn().await?.fetch_all("role_capabilities", &sql, args![contextid]).await?;
        rows.iter().map(role_capability_from).collect()
    }

    /// Every permission row of role `roleid`, in any context.
    pub async fn role_capabilities_of_role(
        &self,
        roleid: i64,
    ) -> Result<Vec<RoleCapability>, StoreError> {
        let sql = self.sql(
            "SELECT id, contextid, roleid, capability, permission, timemodified, modifierid \
             FROM {role_capabilities} WHERE roleid = ? ORDER BY contextid, capability",
        );
        let rows = self.conn().await?.fetch_all("role_capabilities", &sql, args![roleid]).await?;
        rows.iter().map(role_capability_from).collect()
    }

    /// Every permission row for `capability`, any role, any context.
    pub async fn role_capabilities_for(
        &self,
        capability: &str,
    ) -> Result<Vec<RoleCapability>, StoreError> {
        let sql = self.sql(
            "SELECT id, contextid, roleid, capability, permission, timemodified, modifierid \
             FROM {role_capabilities} WHERE capability = ? ORDER BY contextid, roleid",
        );
        let rows =
            self.conn().await?.fetch_all("role_capabilities", &sql, args![capability]).await?;
        rows.iter().map(role_capability_from).collect()
    }

    /// Assigns a role; assigning an identical (role, context, user, component, item) again
    /// changes nothing and returns the existing assignment.
    pub async fn assign_role(
        &self,
        assignment: &NewRoleAssignment,
    ) -> Result<RoleAssignment, StoreError> {
        let insert = self.sql(
            "INSERT INTO {role_assignments} \
             (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 0) \
             ON CONFLICT (userid, contextid, roleid, component, itemid) DO NOTHING",
        );
        let select = self.sql(
            "SELECT id, roleid, contextid, userid, timemodified, modifierid, component, itemid, \
             sortorder FROM {role_assignments} WHERE userid = ? AND contextid = ? AND roleid = ? \
             AND component = ? AND itemid = ?",
        );
        let a = assignment;
        let mut tx = self.begin().await?;
        let values = args![
            a.roleid,
            a.contextid,
            a.userid,
            now(),
            a.modifierid,
            a.component.as_str(),
            a.itemid
        ];
        tx.execute("role_assignment", &insert, values).await?;
        let key = args![a.userid, a.contextid, a.roleid, a.component.as_str(), a.itemid];
        let row = tx
            .fetch_optional("role_assignment", &select, key)
            .await?
            .ok_or(StoreError::NotFound { entity: "role_assignment", id: 0 })?;
        let stored = role_assignment_from(&row)?;
        self.record_change(&mut tx, ChangeKind::RoleAssignment, a.userid).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Removes the role assignments of `roleid` for `userid` in `contextid` (any component);
    /// returns how many there were.
    pub async fn unassign_role(
        &self,
        roleid: i64,
        userid: i64,
        contextid: i64,
    ) -> Result<u64, StoreError> {
        let sql = self.sql(
            "DELETE FROM {role_assignments} WHERE roleid = ? AND userid = ? AND contextid = ?",
        );
        let mut tx = self.begin().await?;
        let count = tx.execute("role_assignment", &sql, args![roleid, userid, contextid]).await?;
        self.record_change(&mut tx, ChangeKind::RoleAssignment, userid).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// Every explicit role assignment of user `userid` (implicit roles are not stored).
    pub async fn role_assignments_of_user(
        &self,
        userid: i64,
    ) -> Result<Vec<RoleAssignment>, StoreError> {
        let sql = self.sql(
            "SELECT id, roleid, contextid, userid, timemodified, modifierid, component, itemid, \
             sortorder FROM {role_assignments} WHERE userid = ? ORDER BY contextid, roleid",
        );
        let rows = self.conn().await?.fetch_all("role_assignment", &sql, args![userid]).await?;
        rows.iter().map(role_assignment_from).collect()
    }

    /// Every role assignment made in context `contextid`.
    pub async fn role_assignments_in_context(
        &self,
        contextid: i64,
    ) -> Result<Vec<RoleAssignment>, StoreError> {
        let sql = self.sql(
            "SELECT id, roleid, contextid, userid, timemodified, modifierid, component, itemid, \
             sortorder FROM {role_assignments} WHERE contextid = ? ORDER BY userid, roleid",
        );
        let rows = self.conn().await?.fetch_all("role_assignment", &sql, args![contextid]).await?;
        rows.iter().map(role_assignment_from).collect()
    }

    /// Defines or redefines a capability (matched by name); returns its id.
    pub async fn upsert_capability(&self, capability: &Capability) -> Result<i64, StoreError> {
        let insert = self.sql(
            "INSERT INTO {capabilities} (name, captype, contextlevel, component, riskbitmask) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET \
             captype = excluded.captype, contextlevel = excluded.contextlevel, \
             component = excluded.component, riskbitmask = excluded.riskbitmask",
        );
        let select = self.sql("SELECT id FROM {capabilities} WHERE name = ?");
        let c = capability;
        let mut tx = self.begin().await?;
        let values = args![&c.name, &c.captype, c.contextlevel, &c.component, c.riskbitmask];
        tx.execute("capability", &insert, values).await?;
        let row = tx
            .fetch_optional("capability", &select, args![&c.name])
            .await?
            .ok_or(StoreError::NotFound { entity: "capability", id: 0 })?;
        let id = row.int("id")?;
        tx.commit().await?;
        Ok(id)
    }

    /// The capability named `name`.
    pub async fn capability_by_name(&self, name: &str) -> Result<Option<Capability>, StoreError> {
        let sql = self.sql(
            "SELECT id, name, captype, contextlevel, component, riskbitmask FROM {capabilities} \
             WHERE name = ?",
        );
        let row = self.conn().await?.fetch_optional("capability", &sql, args![name]).await?;
        row.as_ref().map(capability_from).transpose()
    }

    /// Every capability, by name.
    pub async fn list_capabilities(&self) -> Result<Vec<Capability>, StoreError> {
        let sql = self.sql(
            "SELECT id, name, captype, contextlevel, component, riskbitmask FROM {capabilities} \
             ORDER BY name",
        );
        let rows = self.conn().await?.fetch_all("capability", &sql, args![]).await?;
        rows.iter().map(capability_from).collect()
    }
}
