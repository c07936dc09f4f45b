//! Deleting users in a batch: Moodle's `user_delete_user` for several users in one transaction.
//!
//! The caller decides which users may be deleted and computes the placeholders that replace
//! their username and email; this module must never check permissions.

use crate::change::ChangeKind;
use crate::db::args;
use crate::error::StoreError;
use crate::store::{Store, now};

/// What replaces the identity of a deleted user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedUser {
    /// The user.
    pub id: i64,
    /// The unique placeholder username (Moodle: the email, a dot and the time).
    pub username: String,
    /// The placeholder email (Moodle: the MD5 of the old username).
    pub email: String,
}

impl Store {
    /// Soft-deletes every user of `users` in one transaction: each is marked deleted, its
    /// username, email, idnumber and picture are replaced, and its enrolments, role assignments,
    /// group and cohort memberships, tokens, authorised-user entries, keys, preferences and
    /// browser sessions are removed. If one is missing or already deleted
    /// ([`StoreError::NotFound`]), none is deleted.
    pub async fn delete_users(&self, users: &[DeletedUser]) -> Result<(), StoreError> {
        let mark = self.sql(
            "UPDATE {user} SET deleted = 1, username = ?, email = ?, idnumber = '', picture = 0, \
             timemodified = ? WHERE id = ? AND deleted = 0",
        );
        let tokens = self.sql("SELECT id FROM {external_tokens} WHERE userid = ?");
        let cleanups: [(&'static str, std::sync::Arc<str>); 9] = [
            ("external_tokens", self.sql("DELETE FROM {external_tokens} WHERE userid = ?")),
            ("sessions", self.sql("DELETE FROM {sessions} WHERE userid = ?")),
            ("role_assignments", self.sql("DELETE FROM {role_assignments} WHERE userid = ?")),
            ("user_preferences", self.sql("DELETE FROM {user_preferences} WHERE userid = ?")),
            ("user_enrolments", self.sql("DELETE FROM {user_enrolments} WHERE userid = ?")),
            ("groups_members", self.sql("DELETE FROM {groups_members} WHERE userid = ?")),
            ("cohort_members", self.sql("DELETE FROM {cohort_members} WHERE userid = ?")),
            (
                "external_services_users",
                self.sql("DELETE FROM {external_services_users} WHERE userid = ?"),
            ),
            ("user_private_key", self.sql("DELETE FROM {user_private_key} WHERE userid = ?")),
        ];
        let mut tx = self.begin().await?;
        for user in users {
            let values = args![user.username.as_str(), user.email.as_str(), now(), user.id];
            if tx.execute("user", &mark, values).await? == 0 {
                return Err(StoreError::NotFound { entity: "user", id: user.id });
            }
            let token_ids = tx.fetch_all("external_tokens", &tokens, args![user.id]).await?;
            for (entity, sql) in &cleanups {
                tx.execute(entity, sql, args![user.id]).await?;
            }
            for token in &token_ids {
                self.record_change(&mut tx, ChangeKind::Token, token.int("id")?).await?;
            }
            self.record_change(&mut tx, ChangeKind::RoleAssignment, user.id).await?;
            self.record_change(&mut tx, ChangeKind::User, user.id).await?;
        }
        tx.commit().await
    }
}
