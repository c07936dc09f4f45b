//! Users: accounts, their state, and the per-user preferences used for login lock-out.
//!
//! Creating a user also creates its user context (Moodle does the same), in one transaction.
//! Every write that can change whether a user may call web services (suspension, deletion, a
//! password or authentication change) is reported on the change feed. This module must never
//! hash or verify passwords: it stores what `portico-access` computed.

use crate::change::ChangeKind;
use crate::db::{Arg, Row, args};
use crate::error::StoreError;
use crate::model::{CONTEXT_USER, User, UserPreference};
use crate::store::{Store, now};

macro_rules! user_columns {
    () => {
        "auth, confirmed, policyagreed, deleted, suspended, mnethostid, username, password, idnumber, firstname, lastname, email, emailstop, phone1, phone2, institution, department, address, city, country, lang, calendartype, theme, timezone, firstaccess, lastaccess, lastlogin, currentlogin, lastip, secret, picture, description, descriptionformat, mailformat, maildigest, maildisplay, autosubscribe, trackforums, timecreated, timemodified, trustbitmask, imagealt, lastnamephonetic, firstnamephonetic, middlename, alternatename, moodlenetprofile"
    };
}

pub(super) fn user_from(row: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: row.int("id")?,
        auth: row.text("auth")?,
        confirmed: row.int("confirmed")?,
        policyagreed: row.int("policyagreed")?,
        deleted: row.int("deleted")?,
        suspended: row.int("suspended")?,
        mnethostid: row.int("mnethostid")?,
        username: row.text("username")?,
        password: row.text("password")?,
        idnumber: row.text("idnumber")?,
        firstname: row.text("firstname")?,
        lastname: row.text("lastname")?,
        email: row.text("email")?,
        emailstop: row.int("emailstop")?,
        phone1: row.text("phone1")?,
        phone2: row.text("phone2")?,
        institution: row.text("institution")?,
        department: row.text("department")?,
        address: row.text("address")?,
        city: row.text("city")?,
        country: row.text("country")?,
        lang: row.text("lang")?,
        calendartype: row.text("calendartype")?,
        theme: row.text("theme")?,
        timezone: row.text("timezone")?,
        firstaccess: row.int("firstaccess")?,
        lastaccess: row.int("lastaccess")?,
        lastlogin: row.int("lastlogin")?,
        currentlogin: row.int("currentlogin")?,
        lastip: row.text("lastip")?,
        secret: row.text("secret")?,
        picture: row.int("picture")?,
        description: row.opt_text("description")?,
        descriptionformat: row.int("descriptionformat")?,
        mailformat: row.int("mailformat")?,
        maildigest: row.int("maildigest")?,
        maildisplay: row.int("maildisplay")?,
        autosubscribe: row.int("autosubscribe")?,
        trackforums: row.int("trackforums")?,
        timecreated: row.int("timecreated")?,
        timemodified: row.int("timemodified")?,
        trustbitmask: row.int("trustbitmask")?,
        imagealt: row.opt_text("imagealt")?,
        lastnamephonetic: row.opt_text("lastnamephonetic")?,
        firstnamephonetic: row.opt_text("firstnamephonetic")?,
        middlename: row.opt_text("middlename")?,
        alternatename: row.opt_text("alternatename")?,
        moodlenetprofile: row.opt_text("moodlenetprofile")?,
    })
}

pub(super) fn user_args(user: &User) -> Vec<Arg> {
    args![
        &user.auth,
        user.confirmed,
        user.policyagreed,
        user.deleted,
        user.suspended,
        user.mnethostid,
        &user.username,
        &user.password,
        &user.idnumber,
        &user.firstname,
        &user.lastname,
        &user.email,
        user.emailstop,
        &user.phone1,
        &user.phone2,
        &user.institution,
        &user.department,
        &user.address,
        &user.city,
        &user.country,
        &user.lang,
        &user.calendartype,
        &user.theme,
        &user.timezone,
        user.firstaccess,
        user.lastaccess,
        user.lastlogin,
        user.currentlogin,
        &user.lastip,
        &user.secret,
        user.picture,
        &user.description,
        user.descriptionformat,
        user.mailformat,
        user.maildigest,
        user.maildisplay,
        user.autosubscribe,
        user.trackforums,
        user.timecreated,
        user.timemodified,
        user.trustbitmask,
        &user.imagealt,
        &user.lastnamephonetic,
        &user.firstnamephonetic,
        &user.middlename,
        &user.alternatename,
        &user.moodlenetprofile,
    ]
}

impl Store {
    /// Creates `user` (its `id` is ignored) and its user context; returns the stored row.
    ///
    /// A second user with the same `username` and `mnethostid` is a [`StoreError::Conflict`].
    pub async fn create_user(&self, user: &User) -> Result<User, StoreError> {
        let sql = self.insert_sql(concat!(
            "INSERT INTO {user} (",
            user_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        let mut tx = self.begin().await?;
        let id = tx.insert("user", &sql, user_args(user)).await?;
        self.create_context_in(&mut tx, CONTEXT_USER, id, None).await?;
        tx.commit().await?;
        Ok(User { id, ..user.clone() })
    }

    /// The user with `id`, deleted users included.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let sql = self.sql(concat!("SELECT id, ", user_columns!(), " FROM {user} WHERE id = ?"));
        let row = self.conn().await?.fetch_optional("user", &sql, args![id]).await?;
        row.as_ref().map(user_from).transpose()
    }

    /// The user `username` of MNet host `mnethostid` (the local host for local users).
    pub async fn user_by_username(
        &self,
        username: &str,
        mnethostid: i64,
    ) -> Result<Option<User>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT id, ",
            user_columns!(),
            " FROM {user} WHERE username = ? AND mnethostid = ?"
        ));
        let row =
            self.conn().await?.fetch_optional("user", &sql, args![username, mnethostid]).await?;
        row.as_ref().map(user_from).transpose()
    }

    /// Users with the email address `email` (case-insensitive), oldest first.
    pub async fn users_by_email(&self, email: &str) -> Result<Vec<User>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT id, ",
            user_columns!(),
            " FROM {user} WHERE LOWER(email) = LOWER(?) ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("user", &sql, args![email]).await?;
        rows.iter().map(user_from).collect()
    }

    /// Replaces every column of the user `user.id`.
    pub async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let sql = self.update_user_sql();
        let mut values = user_args(user);
        values.push(Arg::from(user.id));
        let mut tx = self.begin().await?;
        if tx.execute("user", &sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "user", id: user.id });
        }
        self.record_change(&mut tx, ChangeKind::User, user.id).await?;
        tx.commit().await
    }

    /// Stores a new password hash for user `id`.
    pub async fn update_user_password(&self, id: i64, hash: &str) -> Result<(), StoreError> {
        let sql = self.sql("UPDATE {user} SET password = ?, timemodified = ? WHERE id = ?");
        self.update_user_with(id, &sql, args![hash, now(), id]).await
    }

    /// Suspends (`true`) or reactivates (`false`) user `id`.
    pub async fn set_user_suspended(&self, id: i64, suspended: bool) -> Result<(), StoreError> {
        let sql = self.sql("UPDATE {user} SET suspended = ?, timemodified = ? WHERE id = ?");
        self.update_user_with(id, &sql, args![i64::from(suspended), now(), id]).await
    }

    /// Soft-deletes user `id` as Moodle does: marks it deleted and removes its tokens, browser
    /// sessions, role assignments and preferences, in one transaction.
    pub async fn delete_user(&self, id: i64) -> Result<(), StoreError> {
        let mark = self.sql("UPDATE {user} SET deleted = 1, timemodified = ? WHERE id = ?");
        let tokens = self.sql("SELECT id FROM {external_tokens} WHERE userid = ?");
        let delete_tokens = self.sql("DELETE FROM {external_tokens} WHERE userid = ?");
        let sessions = self.sql("DELETE FROM {sessions} WHERE userid = ?");
        let roles = self.sql("DELETE FROM {role_assignments} WHERE userid = ?");
        let preferences = self.sql("DELETE FROM {user_preferences} WHERE userid = ?");
        let mut tx = self.begin().await?;
        if tx.execute("user", &mark, args![now(), id]).await? == 0 {
            return Err(StoreError::NotFound { entity: "user", id });
        }
        let token_ids = tx.fetch_all("external_tokens", &tokens, args![id]).await?;
        tx.execute("external_tokens", &delete_tokens, args![id]).await?;
        tx.execute("sessions", &sessions, args![id]).await?;
        tx.execute("role_assignments", &roles, args![id]).await?;
        tx.execute("user_preferences", &preferences, args![id]).await?;
        for token in &token_ids {
            self.record_change(&mut tx, ChangeKind::Token, token.int("id")?).await?;
        }
        self.record_change(&mut tx, ChangeKind::RoleAssignment, id).await?;
        self.record_change(&mut tx, ChangeKind::User, id).await?;
        tx.commit().await
    }

    /// The statement that replaces every column of one user (`user_args` then the id).
    pub(super) fn update_user_sql(&self) -> std::sync::Arc<str> {
        self.sql(
            "UPDATE {user} SET auth = ?, confirmed = ?, policyagreed = ?, deleted = ?, \
             suspended = ?, mnethostid = ?, username = ?, password = ?, idnumber = ?, \
             firstname = ?, lastname = ?, email = ?, emailstop = ?, phone1 = ?, phone2 = ?, \
             institution = ?, department = ?, address = ?, city = ?, country = ?, lang = ?, \
             calendartype = ?, theme = ?, timezone = ?, firstaccess = ?, lastaccess = ?, \
             lastlogin = ?, currentlogin = ?, lastip = ?, secret = ?, picture = ?, \
             description = ?, descriptionformat = ?, mailformat = ?, maildigest = ?, \
             maildisplay = ?, autosubscribe = ?, trackforums = ?, timecreated = ?, \
             timemodified = ?, trustbitmask = ?, imagealt = ?, lastnamephonetic = ?, \
             firstnamephonetic = ?, middlename = ?, alternatename = ?, \
             moodlenetprofile = ? WHERE id = ?",
        )
    }

    async fn update_user_with(
        &self,
        id: i64,
        sql: &std::sync::Arc<str>,
        values: Vec<Arg>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        if tx.execute("user", sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "user", id });
        }
        self.record_change(&mut tx, ChangeKind::User, id).await?;
        tx.commit().await
    }

    /// The preference `name` of user `userid`, if set.
    pub async fn get_user_preference(
        &self,
        userid: i64,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = self.sql("SELECT value FROM {user_preferences} WHERE userid = ? AND name = ?");
        let row = self
            .conn()
            .await?
            .fetch_optional("user_preferences", &sql, args![userid, name])
            .await?;
        row.map(|row| row.text("value")).transpose()
    }

    /// Every preference of user `userid`, by name.
    pub async fn list_user_preferences(
        &self,
        userid: i64,
    ) -> Result<Vec<UserPreference>, StoreError> {
        let sql = self.sql(
            "SELECT id, userid, name, value FROM {user_preferences} WHERE userid = ? ORDER BY name",
        );
        let rows = self.conn().await?.fetch_all("user_preferences", &sql, args![userid]).await?;
        rows.iter()
            .map(|row| {
                Ok(UserPreference {
                    id: row.int("id")?,
                    userid: row.int("userid")?,
                    name: row.text("name")?,
                    value: row.text("value")?,
                })
            })
            .collect()
    }

    /// Sets the preference `name` of user `userid`.
    pub async fn set_user_preference(
        &self,
        userid: i64,
        name: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let sql = self.sql(
            "INSERT INTO {user_preferences} (userid, name, value) VALUES (?, ?, ?) \
             ON CONFLICT (userid, name) DO UPDATE SET value = excluded.value",
        );
        self.conn().await?.execute("user_preferences", &sql, args![userid, name, value]).await?;
        Ok(())
    }

    /// Removes the preference `name` of user `userid`.
    pub async fn unset_user_preference(&self, userid: i64, name: &str) -> Result<(), StoreError> {
        let sql = self.sql("DELETE FROM {user_preferences} WHERE userid = ? AND name = ?");
        self.conn().await?.execute("user_preferences", &sql, args![userid, name]).await?;
        Ok(())
    }

    /// Records a failed password login of user `userid` at `now` (spec 02 section 11), in one
    /// transaction: the counter preference `login_failed_count` restarts at 1 when the previous
    /// failure (`login_failed_last`) is older than `window` seconds, and
    /// `login_failed_count_since_success` always grows. Returns the new `login_failed_count`.
    pub async fn record_login_failure(
        &self,
        userid: i64,
        now: i64,
        window: i64,
    ) -> Result<i64, StoreError> {
        let get = self.sql("SELECT value FROM {user_preferences} WHERE userid = ? AND name = ?");
        let set = self.sql(
            "INSERT INTO {user_preferences} (userid, name, value) VALUES (?, ?, ?) \
             ON CONFLICT (userid, name) DO UPDATE SET value = excluded.value",
        );
        let mut tx = self.begin().await?;
        let mut read = async |name: &'static str| -> Result<i64, StoreError> {
            let row = tx.fetch_optional("user_preferences", &get, args![userid, name]).await?;
            Ok(match row {
                Some(row) => row.text("value")?.trim().parse().unwrap_or(0),
                None => 0,
            })
        };
        let count = read("login_failed_count").await?;
        let last = read("login_failed_last").await?;
        let since_success = read("login_failed_count_since_success").await?;
        let count = if window > 0 && last > 0 && now - last > window { 1 } else { count + 1 };
        for (name, value) in [
            ("login_failed_count", count),
            ("login_failed_last", now),
            ("login_failed_count_since_success", since_success + 1),
        ] {
            tx.execute("user_preferences", &set, args![userid, name, value.to_string()]).await?;
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Forgets the failed logins of user `userid` after a successful login (spec 02 section 11).
    pub async fn reset_login_failures(&self, userid: i64) -> Result<(), StoreError> {
        let sql = self.sql(
            "DELETE FROM {user_preferences} WHERE userid = ? AND name IN \
             ('login_failed_count', 'login_failed_last', 'login_failed_count_since_success')",
        );
        self.conn().await?.execute("user_preferences", &sql, args![userid]).await?;
        Ok(())
    }

    /// Replaces every key of user `key.userid` for script `key.script` by `key` (Moodle's
    /// `create_user_key` after `delete_user_key`); returns the stored row.
    pub async fn replace_user_private_key(
        &self,
        key: &crate::model::UserPrivateKey,
    ) -> Result<crate::model::UserPrivateKey, StoreError> {
        let delete = self.sql("DELETE FROM {user_private_key} WHERE script = ? AND userid = ?");
        let insert = self.insert_sql(
            "INSERT INTO {user_private_key} (script, value, userid, instance, iprestriction, \
             validuntil, timecreated) VALUES (?, ?, ?, ?, ?, ?, ?)",
        );
        let mut tx = self.begin().await?;
        tx.execute("user_private_key", &delete, args![&key.script, key.userid]).await?;
        let values = args![
            &key.script,
            &key.value,
            key.userid,
            key.instance,
            &key.iprestriction,
            key.validuntil,
            key.timecreated
        ];
        let id = tx.insert("user_private_key", &insert, values).await?;
        tx.commit().await?;
        Ok(crate::model::UserPrivateKey { id, ..key.clone() })
    }

    /// The key of user `userid` for `script`, if any (the newest).
    pub async fn user_private_key(
        &self,
        script: &str,
        userid: i64,
    ) -> Result<Option<crate::model::UserPrivateKey>, StoreError> {
        let sql = self.sql(
            "SELECT id, script, value, userid, instance, iprestriction, validuntil, timecreated \
             FROM {user_private_key} WHERE script = ? AND userid = ? ORDER BY id DESC",
        );
        let row = self
            .conn()
            .await?
            .fetch_optional("user_private_key", &sql, args![script, userid])
            .await?;
        row.map(|row| {
            Ok(crate::model::UserPrivateKey {
                id: row.int("id")?,
                script: row.text("script")?,
                value: row.text("value")?,
                userid: row.int("userid")?,
                instance: row.opt_int("instance")?,
                iprestriction: row.opt_text("iprestriction")?,
                validuntil: row.opt_int("validuntil")?,
                timecreated: row.opt_int("timecreated")?,
            })
        })
        .transpose()
    }

    /// Creates every user of `users` with its user context and its preferences (name, value),
    /// all in one transaction: if one fails, none is created. Returns the stored rows in order.
    pub async fn create_users_with_preferences(
        &self,
        users: &[(User, Vec<(String, String)>)],
    ) -> Result<Vec<User>, StoreError> {
        let sql = self.insert_sql(concat!(
            "INSERT INTO {user} (",
            user_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        let preference = self.sql(
            "INSERT INTO {user_preferences} (userid, name, value) VALUES (?, ?, ?) \
             ON CONFLICT (userid, name) DO UPDATE SET value = excluded.value",
        );
        let mut tx = self.begin().await?;
        let mut created = Vec::with_capacity(users.len());
        for (user, preferences) in users {
            let id = tx.insert("user", &sql, user_args(user)).await?;
            self.create_context_in(&mut tx, CONTEXT_USER, id, None).await?;
            for (name, value) in preferences {
                tx.execute("user_preferences", &preference, args![id, name, value]).await?;
            }
            created.push(User { id, ..user.clone() });
        }
        tx.commit().await?;
        Ok(created)
    }
}
