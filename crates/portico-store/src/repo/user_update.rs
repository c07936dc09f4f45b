//! Updating users in a batch: Moodle's `user_update_user` plus preferences for several users in
//! one transaction (`core_user_update_users`).
//!
//! The caller decides which users may be updated and computes their new rows (and password
//! hashes); this module must never check permissions nor hash passwords.

use crate::change::ChangeKind;
use crate::db::{Arg, args};
use crate::error::StoreError;
use crate::model::User;
use crate::repo::user::user_args;
use crate::store::Store;

/// One user's update: its complete new row and what goes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserUpdate {
    /// The new row; `user.id` names the user.
    pub user: User,
    /// Preferences to set, as (name, value).
    pub preferences: Vec<(String, String)>,
    /// Whether the user's browser sessions end (Moodle kills them when a user is suspended).
    pub end_sessions: bool,
}

impl Store {
    /// Stores every update of `updates` in one transaction: each user's row is replaced, its
    /// preferences set, and its sessions removed when asked. If one user is missing
    /// ([`StoreError::NotFound`]) or a write fails, nothing is changed.
    pub async fn update_users(&self, updates: &[UserUpdate]) -> Result<(), StoreError> {
        let row = self.update_user_sql();
        let preference = self.sql(
            "INSERT INTO {user_preferences} (userid, name, value) VALUES (?, ?, ?) \
             ON CONFLICT (userid, name) DO UPDATE SET value = excluded.value",
        );
        let sessions = self.sql("DELETE FROM {sessions} WHERE userid = ?");
        let mut tx = self.begin().await?;
        for update in updates {
            let id = update.user.id;
            let mut values = user_args(&update.user);
            values.push(Arg::from(id));
            if tx.execute("user", &row, values).await? == 0 {
                return Err(StoreError::NotFound { entity: "user", id });
            }
            for (name, value) in &update.preferences {
                tx.execute("user_preferences", &preference, args![id, name, value]).await?;
            }
            if update.end_sessions {
                tx.execute("sessions", &sessions, args![id]).await?;
            }
            // The access cache holds users (suspension, auth, password): it must reload.
            self.record_change(&mut tx, ChangeKind::User, id).await?;
        }
        tx.commit().await
    }
}
