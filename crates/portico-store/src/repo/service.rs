//! External services, registered functions, the functions of each service and authorised users.
//!
//! Every write here can change an access decision, so every write is reported on the change
//! feed. Deleting a service deletes its tokens, functions and authorised users in the same
//! transaction, as Moodle does. This module must never decide whether a call is allowed.

use crate::change::ChangeKind;
use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::{
    ExternalFunction, ExternalService, ExternalServiceFunction, ExternalServiceUser,
};
use crate::store::Store;

macro_rules! service_columns {
    () => {
        "id, name, enabled, requiredcapability, restrictedusers, component, timecreated, \
         timemodified, shortname, downloadfiles, uploadfiles"
    };
}

macro_rules! function_columns {
    () => {
        "id, name, classname, methodname, classpath, component, capabilities, services"
    };
}

fn service_from(row: &Row) -> Result<ExternalService, StoreError> {
    Ok(ExternalService {
        id: row.int("id")?,
        name: row.text("name")?,
        enabled: row.int("enabled")?,
        requiredcapability: row.opt_text("requiredcapability")?,
        restrictedusers: row.int("restrictedusers")?,
        component: row.opt_text("component")?,
        timecreated: row.int("timecreated")?,
        timemodified: row.opt_int("timemodified")?,
        shortname: row.opt_text("shortname")?,
        downloadfiles: row.int("downloadfiles")?,
        uploadfiles: row.int("uploadfiles")?,
    })
}

fn function_from(row: &Row) -> Result<ExternalFunction, StoreError> {
    Ok(ExternalFunction {
        id: row.int("id")?,
        name: row.text("name")?,
        classname: row.text("classname")?,
        methodname: row.text("methodname")?,
        classpath: row.opt_text("classpath")?,
        component: row.text("component")?,
        capabilities: row.opt_text("capabilities")?,
        services: row.opt_text("services")?,
    })
}

fn service_user_from(row: &Row) -> Result<ExternalServiceUser, StoreError> {
    Ok(ExternalServiceUser {
        id: row.int("id")?,
        externalserviceid: row.int("externalserviceid")?,
        userid: row.int("userid")?,
        iprestriction: row.opt_text("iprestriction")?,
        validuntil: row.opt_int("validuntil")?,
        timecreated: row.opt_int("timecreated")?,
    })
}

impl Store {
    /// Creates `service` (its `id` is ignored); returns the stored row. A second service with
    /// the same `name` or `shortname` is a [`StoreError::Conflict`].
    pub async fn create_service(
        &self,
        service: &ExternalService,
    ) -> Result<ExternalService, StoreError> {
        let sql = self.insert_sql(
            "INSERT INTO {external_services} (name, enabled, requiredcapability, restrictedusers, \
             component, timecreated, timemodified, shortname, downloadfiles, uploadfiles) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let s = service;
        let values = args![
            &s.name,
            s.enabled,
            &s.requiredcapability,
            s.restrictedusers,
            &s.component,
            s.timecreated,
            s.timemodified,
            &s.shortname,
            s.downloadfiles,
            s.uploadfiles
        ];
        let mut tx = self.begin().await?;
        let id = tx.insert("external_service", &sql, values).await?;
        self.record_change(&mut tx, ChangeKind::Service, id).await?;
        tx.commit().await?;
        Ok(ExternalService { id, ..service.clone() })
    }

    /// Replaces every column of service `service.id` (name, flags, enabled, ...).
    pub async fn update_service(&self, service: &ExternalService) -> Result<(), StoreError> {
        let sql = self.sql(
            "UPDATE {external_services} SET name = ?, enabled = ?, requiredcapability = ?, \
             restrictedusers = ?, component = ?, timecreated = ?, timemodified = ?, \
             shortname = ?, downloadfiles = ?, uploadfiles = ? WHERE id = ?",
        );
        let s = service;
        let values = args![
            &s.name,
            s.enabled,
            &s.requiredcapability,
            s.restrictedusers,
            &s.component,
            s.timecreated,
            s.timemodified,
            &s.shortname,
            s.downloadfiles,
            s.uploadfiles,
            s.id
        ];
        let mut tx = self.begin().await?;
        if tx.execute("external_service", &sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "external_service", id: s.id });
        }
        self.record_change(&mut tx, ChangeKind::Service, s.id).await?;
        tx.commit().await
    }

    /// Enables (`true`) or disables (`false`) service `id`.
    pub async fn set_service_enabled(&self, id: i64, enabled: bool) -> Result<(), StoreError> {
        let sql =
            self.sql("UPDATE {external_services} SET enabled = ?, timemodified = ? WHERE id = ?");
        let mut tx = self.begin().await?;
        let values = args![i64::from(enabled), crate::store::now(), id];
        if tx.execute("external_service", &sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "external_service", id });
        }
        self.record_change(&mut tx, ChangeKind::Service, id).await?;
        tx.commit().await
    }

    /// Deletes service `id` with its tokens, functions and authorised users.
    pub async fn delete_service(&self, id: i64) -> Result<(), StoreError> {
        let tokens = self.sql("SELECT id FROM {external_tokens} WHERE externalserviceid = ?");
        let statements = [
            self.sql("DELETE FROM {external_tokens} WHERE externalserviceid = ?"),
            self.sql("DELETE FROM {external_services_functions} WHERE externalserviceid = ?"),
            self.sql("DELETE FROM {external_services_users} WHERE externalserviceid = ?"),
        ];
        let service = self.sql("DELETE FROM {external_services} WHERE id = ?");
        let mut tx = self.begin().await?;
        let token_ids = tx.fetch_all("external_tokens", &tokens, args![id]).await?;
        for statement in &statements {
            tx.execute("external_service", statement, args![id]).await?;
        }
        if tx.execute("external_service", &service, args![id]).await? == 0 {
            return Err(StoreError::NotFound { entity: "external_service", id });
        }
        for token in &token_ids {
            self.record_change(&mut tx, ChangeKind::Token, token.int("id")?).await?;
        }
        self.record_change(&mut tx, ChangeKind::Service, id).await?;
        tx.commit().await
    }

    /// The service with `id`.
    pub async fn service_by_id(&self, id: i64) -> Result<Option<ExternalService>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            service_columns!(),
            " FROM {external_services} WHERE id = ?"
        ));
        let row = self.conn().await?.fetch_optional("external_service", &sql, args![id]).await?;
        row.as_ref().map(service_from).transpose()
    }

    /// The service with short name `shortname`.
    pub async fn service_by_shortname(
        &self,
        shortname: &str,
    ) -> Result<Option<ExternalService>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            service_columns!(),
            " FROM {external_services} WHERE shortname = ?"
        ));
        let row =
            self.conn().await?.fetch_optional("external_service", &sql, args![shortname]).await?;
        row.as_ref().map(service_from).transpose()
    }

    /// Every service, by id.
    pub async fn list_services(&self) -> Result<Vec<ExternalService>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            service_columns!(),
            " FROM {external_services} ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("external_service", &sql, args![]).await?;
        rows.iter().map(service_from).collect()
    }

    /// Registers `function` or updates the registration with the same name; returns its id.
    pub async fn upsert_external_function(
        &self,
        function: &ExternalFunction,
    ) -> Result<i64, StoreError> {
        let insert = self.sql(
            "INSERT INTO {external_functions} \
             (name, classname, methodname, classpath, component, capabilities, services) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET \
             classname = excluded.classname, methodname = excluded.methodname, \
             classpath = excluded.classpath, component = excluded.component, \
             capabilities = excluded.capabilities, services = excluded.services",
        );
        let select = self.sql("SELECT id FROM {external_functions} WHERE name = ?");
        let f = function;
        let values = args![
            &f.name,
            &f.classname,
            &f.methodname,
            &f.classpath,
            &f.component,
            &f.capabilities,
            &f.services
        ];
        let mut tx = self.begin().await?;
        tx.execute("external_function", &insert, values).await?;
        let row = tx
            .fetch_optional("external_function", &select, args![&f.name])
            .await?
            .ok_or(StoreError::NotFound { entity: "external_function", id: 0 })?;
        let id = row.int("id")?;
        self.record_change(&mut tx, ChangeKind::Function, &f.name).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The registered function `name`.
    pub async fn external_function_by_name(
        &self,
        name: &str,
    ) -> Result<Option<ExternalFunction>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            function_columns!(),
            " FROM {external_functions} WHERE name = ?"
        ));
        let row = self.conn().await?.fetch_optional("external_function", &sql, args![name]).await?;
        row.as_ref().map(function_from).transpose()
    }

    /// Every registered function, by name.
    pub async fn list_external_functions(&self) -> Result<Vec<ExternalFunction>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            function_columns!(),
            " FROM {external_functions} ORDER BY name"
        ));
        let rows = self.conn().await?.fetch_all("external_function", &sql, args![]).await?;
        rows.iter().map(function_from).collect()
    }

    /// Adds function `functionname` to service `serviceid`; adding it twice changes nothing.
    pub async fn add_service_function(
        &self,
        serviceid: i64,
        functionname: &str,
    ) -> Result<(), StoreError> {
        let sql = self.sql(
            "INSERT INTO {external_services_functions} (externalserviceid, functionname) \
             VALUES (?, ?) ON CONFLICT (externalserviceid, functionname) DO NOTHING",
        );
        let mut tx = self.begin().await?;
        tx.execute("external_service_function", &sql, args![serviceid, functionname]).await?;
        self.record_change(&mut tx, ChangeKind::Service, serviceid).await?;
        tx.commit().await
    }

    /// Removes function `functionname` from service `serviceid`; returns whether it was there.
    pub async fn remove_service_function(
        &self,
        serviceid: i64,
        functionname: &str,
    ) -> Result<bool, StoreError> {
        let sql = self.sql(
            "DELETE FROM {external_services_functions} \
             WHERE externalserviceid = ? AND functionname = ?",
        );
        let mut tx = self.begin().await?;
        let removed =
            tx.execute("external_service_function", &sql, args![serviceid, functionname]).await?;
        self.record_change(&mut tx, ChangeKind::Service, serviceid).await?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    /// The functions of service `serviceid`, by name.
    pub async fn service_functions(
        &self,
        serviceid: i64,
    ) -> Result<Vec<ExternalServiceFunction>, StoreError> {
        let sql = self.sql(
            "SELECT id, externalserviceid, functionname FROM {external_services_functions} \
             WHERE externalserviceid = ? ORDER BY functionname",
        );
        let rows = self
            .conn()
            .await?
            .fetch_all("external_service_function", &sql, args![serviceid])
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExternalServiceFunction {
                    id: row.int("id")?,
                    externalserviceid: row.int("externalserviceid")?,
                    functionname: row.text("functionname")?,
                })
            })
            .collect()
    }

    /// Authorises a user on a restricted service (`id` ignored); a second listing of the same
    /// user on the same service is a [`StoreError::Conflict`].
    pub async fn add_service_user(
        &self,
        listing: &ExternalServiceUser,
    ) -> Result<ExternalServiceUser, StoreError> {
        let sql = self.insert_sql(
            "INSERT INTO {external_services_users} \
             (externalserviceid, userid, iprestriction, validuntil, timecreated) \
             VALUES (?, ?, ?, ?, ?)",
        );
        let l = listing;
        let values =
            args![l.externalserviceid, l.userid, &l.iprestriction, l.validuntil, l.timecreated];
        let mut tx = self.begin().await?;
        let id = tx.insert("external_service_user", &sql, values).await?;
        let key = format!("{}:{}", l.externalserviceid, l.userid);
        self.record_change(&mut tx, ChangeKind::ServiceUser, key).await?;
        tx.commit().await?;
        Ok(ExternalServiceUser { id, ..listing.clone() })
    }

    /// Changes the IP restriction and expiry of an authorised user.
    pub async fn update_service_user(
        &self,
        listing: &ExternalServiceUser,
    ) -> Result<(), StoreError> {
        let sql = self.sql(
            "UPDATE {external_services_users} SET iprestriction = ?, validuntil = ? \
             WHERE externalserviceid = ? AND userid = ?",
        );
        let l = listing;
        let values = args![&l.iprestriction, l.validuntil, l.externalserviceid, l.userid];
        let mut tx = self.begin().await?;
        if tx.execute("external_service_user", &sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "external_service_user", id: l.id });
        }
        let key = format!("{}:{}", l.externalserviceid, l.userid);
        self.record_change(&mut tx, ChangeKind::ServiceUser, key).await?;
        tx.commit().await
    }

    /// Removes user `userid` from service `serviceid`; returns whether it was listed.
    pub async fn remove_service_user(
        &self,
        serviceid: i64,
        userid: i64,
    ) -> Result<bool, StoreError> {
        let sql = self.sql(
            "DELETE FROM {external_services_users} WHERE externalserviceid = ? AND userid = ?",
        );
        let mut tx = self.begin().await?;
        let removed = tx.execute("external_service_user", &sql, args![serviceid, userid]).await?;
        self.record_change(&mut tx, ChangeKind::ServiceUser, format!("{serviceid}:{userid}"))
            .await?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    /// The listing of user `userid` on service `serviceid`, if any.
    pub async fn service_user(
        &self,
        serviceid: i64,
        userid: i64,
    ) -> Result<Option<ExternalServiceUser>, StoreError> {
        let sql = self.sql(
            "SELECT id, externalserviceid, userid, iprestriction, validuntil, timecreated \
             FROM {external_services_users} WHERE externalserviceid = ? AND userid = ?",
        );
        let row = self
            .conn()
            .await?
            .fetch_optional("external_service_user", &sql, args![serviceid, userid])
            .await?;
        row.as_ref().map(service_user_from).transpose()
    }

    /// Every authorised user of service `serviceid`, by user id.
    pub async fn service_users(
        &self,
        serviceid: i64,
    ) -> Result<Vec<ExternalServiceUser>, StoreError> {
        let sql = self.sql(
            "SELECT id, externalserviceid, userid, iprestriction, validuntil, timecreated \
             FROM {external_services_users} WHERE externalserviceid = ? ORDER BY userid",
        );
        let rows =
            self.conn().await?.fetch_all("external_service_user", &sql, args![serviceid]).await?;
        rows.iter().map(service_user_from).collect()
    }
}
