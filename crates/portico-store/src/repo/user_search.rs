//! Finding users: by one exact field (`core_user_get_users_by_field`) and by a conjunction of
//! criteria (`core_user_get_users`).
//!
//! Deleted users are never returned. This module must never decide which of the found users a
//! caller may see: that is the functions' user-detail rules.

use crate::db::args;
use crate::error::StoreError;
use crate::model::User;
use crate::repo::user::user_from;
use crate::store::Store;

/// A column users are looked up by exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserField {
    /// `id`.
    Id,
    /// `idnumber`.
    Idnumber,
    /// `username` (any MNet host).
    Username,
    /// `email`, compared exactly.
    Email,
}

/// One criterion of [`Store::search_users`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCriterion {
    /// `id` equals.
    Id(i64),
    /// `idnumber` equals.
    Idnumber(String),
    /// `username` equals.
    Username(String),
    /// `auth` equals.
    Auth(String),
    /// `email` matches the pattern, case-insensitively (`%` and `_` are wildcards, `\` escapes).
    Email(String),
    /// `firstname` matches the pattern, as for `Email`.
    Firstname(String),
    /// `lastname` matches the pattern, as for `Email`.
    Lastname(String),
}

impl Store {
    /// The users whose `field` equals one of `values`, ordered by id, each once. For
    /// [`UserField::Id`], values that are not integers match nobody.
    pub async fn users_by_field(
        &self,
        field: UserField,
        values: &[String],
    ) -> Result<Vec<User>, StoreError> {
        // One indexed lookup per value keeps the cost independent of the table size.
        let sql = match field {
            UserField::Id => self.sql(concat!(
                "SELECT id, ",
                user_columns!(),
                " FROM {user} WHERE id = ? AND deleted = 0"
            )),
            UserField::Idnumber => self.sql(concat!(
                "SELECT id, ",
                user_columns!(),
                " FROM {user} WHERE idnumber = ? AND deleted = 0"
            )),
            UserField::Username => self.sql(concat!(
                "SELECT id, ",
                user_columns!(),
                " FROM {user} WHERE username = ? AND deleted = 0"
            )),
            UserField::Email => self.sql(concat!(
                "SELECT id, ",
                user_columns!(),
                " FROM {user} WHERE email = ? AND deleted = 0"
            )),
        };
        let mut conn = self.conn().await?;
        let mut users: Vec<User> = Vec::new();
        for value in values {
            let rows = if field == UserField::Id {
                let Ok(id) = value.parse::<i64>() else { continue };
                conn.fetch_all("user", &sql, args![id]).await?
            } else {
                conn.fetch_all("user", &sql, args![value.as_str()]).await?
            };
            for row in &rows {
                users.push(user_from(row)?);
            }
        }
        users.sort_by_key(|user| user.id);
        users.dedup_by_key(|user| user.id);
        Ok(users)
    }

    /// The users matching every criterion, ordered by id (every user when `criteria` is empty).
    pub async fn search_users(&self, criteria: &[UserCriterion]) -> Result<Vec<User>, StoreError> {
        // Each criterion has a switch: an unused one compares nothing, so one statement serves
        // every combination.
        let sql = self.sql(concat!(
            "SELECT id, ",
            user_columns!(),
            " FROM {user} WHERE deleted = 0",
            " AND (? = 0 OR id = ?)",
            " AND (? = 0 OR idnumber = ?)",
            " AND (? = 0 OR username = ?)",
            " AND (? = 0 OR auth = ?)",
            " AND (? = 0 OR LOWER(email) LIKE LOWER(?) ESCAPE '\\')",
            " AND (? = 0 OR LOWER(firstname) LIKE LOWER(?) ESCAPE '\\')",
            " AND (? = 0 OR LOWER(lastname) LIKE LOWER(?) ESCAPE '\\')",
            " ORDER BY id"
        ));
        let mut id = (0_i64, 0_i64);
        let mut texts: [(i64, String); 6] = Default::default();
        for criterion in criteria {
            let (slot, value) = match criterion {
                UserCriterion::Id(value) => {
                    id = (1, *value);
                    continue;
                }
                UserCriterion::Idnumber(value) => (0, value),
                UserCriterion::Username(value) => (1, value),
                UserCriterion::Auth(value) => (2, value),
                UserCriterion::Email(value) => (3, value),
                UserCriterion::Firstname(value) => (4, value),
                UserCriterion::Lastname(value) => (5, value),
            };
            texts[slot] = (1, value.clone());
        }
        let [idnumber, username, auth, email, firstname, lastname] = texts;
        let values = args![
            id.0,
            id.1,
            idnumber.0,
            idnumber.1,
            username.0,
            username.1,
            auth.0,
            auth.1,
            email.0,
            email.1,
            firstname.0,
            firstname.1,
            lastname.0,
            lastname.1,
        ];
        let rows = self.conn().await?.fetch_all("user", &sql, values).await?;
        rows.iter().map(user_from).collect()
    }

    /// Whether user `userid` holds any role assignment anywhere.
    pub async fn user_has_role_assignment(&self, userid: i64) -> Result<bool, StoreError> {
        let sql = self.sql("SELECT id FROM {role_assignments} WHERE userid = ? LIMIT 1");
        let row = self.conn().await?.fetch_optional("role_assignment", &sql, args![userid]).await?;
        Ok(row.is_some())
    }

    /// Whether user `userid` holds one of the roles `roleids` in some course context (Moodle's
    /// `has_coursecontact_role`).
    pub async fn user_has_course_role(
        &self,
        userid: i64,
        roleids: &[i64],
    ) -> Result<bool, StoreError> {
        let sql = self.sql(
            "SELECT ra.roleid FROM {role_assignments} ra JOIN {context} ctx ON ctx.id = ra.contextid \
             WHERE ra.userid = ? AND ctx.contextlevel = 50",
        );
        let rows = self.conn().await?.fetch_all("role_assignment", &sql, args![userid]).await?;
        for row in &rows {
            if roleids.contains(&row.int("roleid")?) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
