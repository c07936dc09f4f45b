//! Cohorts: site-wide or category `cohort`s and their `cohort_members`.
//!
//! This module writes cohorts and memberships in one transaction per batch and answers lookups by
//! id and idnumber. It must never decide who may manage or view a cohort (that is the
//! functions, with `portico-access`), and it does not synchronise cohort enrolments.

use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::{Cohort, CohortMember};
use crate::store::{Store, now};

macro_rules! cohort_columns {
    () => {
        "id, contextid, name, idnumber, description, descriptionformat, visible, component, \
         timecreated, timemodified, theme"
    };
}

fn cohort_from(row: &Row) -> Result<Cohort, StoreError> {
    Ok(Cohort {
        id: row.int("id")?,
        contextid: row.int("contextid")?,
        name: row.text("name")?,
        idnumber: row.opt_text("idnumber")?,
        description: row.opt_text("description")?,
        descriptionformat: row.int("descriptionformat")?,
        visible: row.int("visible")?,
        component: row.text("component")?,
        timecreated: row.int("timecreated")?,
        timemodified: row.int("timemodified")?,
        theme: row.opt_text("theme")?,
    })
}

/// A cohort to create (Moodle's `cohort_add_cohort`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCohort {
    /// The context it lives in: the system or a category context (the caller checks).
    pub contextid: i64,
    /// Name.
    pub name: String,
    /// Free identifier, unique when set (the caller checks).
    pub idnumber: Option<String>,
    /// Description.
    pub description: String,
    /// Format of `description`.
    pub descriptionformat: i64,
    /// 1 when visible.
    pub visible: i64,
    /// Managing plugin, '' for a cohort made by hand.
    pub component: String,
    /// Forced theme, '' for none.
    pub theme: String,
}

/// One cohort membership to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortMembership {
    /// The cohort.
    pub cohortid: i64,
    /// The user.
    pub userid: i64,
}

impl Store {
    /// The cohort with `id`.
    pub async fn cohort_by_id(&self, id: i64) -> Result<Option<Cohort>, StoreError> {
        let sql = self.sql(concat!("SELECT ", cohort_columns!(), " FROM {cohort} WHERE id = ?"));
        let row = self.conn().await?.fetch_optional("cohort", &sql, args![id]).await?;
        row.as_ref().map(cohort_from).transpose()
    }

    /// The first cohort whose idnumber is `idnumber`.
    pub async fn cohort_by_idnumber(&self, idnumber: &str) -> Result<Option<Cohort>, StoreError> {
        let sql = self.sql(concat!(
            "SELECT ",
            cohort_columns!(),
            " FROM {cohort} WHERE idnumber = ? ORDER BY id"
        ));
        let rows = self.conn().await?.fetch_all("cohort", &sql, args![idnumber]).await?;
        rows.first().map(cohort_from).transpose()
    }

    /// Every cohort, by id.
    pub async fn list_cohorts(&self) -> Result<Vec<Cohort>, StoreError> {
        let sql = self.sql(concat!("SELECT ", cohort_columns!(), " FROM {cohort} ORDER BY id"));
        let rows = self.conn().await?.fetch_all("cohort", &sql, args![]).await?;
        rows.iter().map(cohort_from).collect()
    }

    /// The cohorts among `ids` that exist, by id, each once.
    pub async fn cohorts_by_ids(&self, ids: &[i64]) -> Result<Vec<Cohort>, StoreError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut cohorts = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(cohort) = self.cohort_by_id(id).await? {
                cohorts.push(cohort);
            }
        }
        Ok(cohorts)
    }

    /// Creates `cohorts` in one transaction, in order, and returns them as stored.
    pub async fn create_cohorts(&self, cohorts: &[NewCohort]) -> Result<Vec<Cohort>, StoreError> {
        let insert = self.insert_sql(
            "INSERT INTO {cohort} (contextid, name, idnumber, description, descriptionformat, \
             visible, component, timecreated, timemodified, theme) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let select = self.sql(concat!("SELECT ", cohort_columns!(), " FROM {cohort} WHERE id = ?"));
        let mut tx = self.begin().await?;
        let mut created = Vec::with_capacity(cohorts.len());
        for new in cohorts {
            let time = now();
            let values = args![
                new.contextid,
                new.name.as_str(),
                new.idnumber.as_deref(),
                new.description.as_str(),
                new.descriptionformat,
                new.visible,
                new.component.as_str(),
                time,
                time,
                new.theme.as_str()
            ];
            let id = tx.insert("cohort", &insert, values).await?;
            let row = tx
                .fetch_optional("cohort", &select, args![id])
                .await?
                .ok_or(StoreError::NotFound { entity: "cohort", id })?;
            created.push(cohort_from(&row)?);
        }
        tx.commit().await?;
        Ok(created)
    }

    /// Whether `userid` is a member of cohort `cohortid`.
    pub async fn is_cohort_member(&self, cohortid: i64, userid: i64) -> Result<bool, StoreError> {
        let sql = self.sql("SELECT id FROM {cohort_members} WHERE cohortid = ? AND userid = ?");
        let row = self
            .conn()
            .await?
            .fetch_optional("cohort_members", &sql, args![cohortid, userid])
            .await?;
        Ok(row.is_some())
    }

    /// The members of cohort `cohortid`, oldest first.
    pub async fn cohort_members(&self, cohortid: i64) -> Result<Vec<CohortMember>, StoreError> {
        let sql = self.sql(
            "SELECT id, cohortid, userid, timeadded FROM {cohort_members} WHERE cohortid = ? \
             ORDER BY id",
        );
        let rows = self.conn().await?.fetch_all("cohort_members", &sql, args![cohortid]).await?;
        rows.iter()
            .map(|row| {
                Ok(CohortMember {
                    id: row.int("id")?,
                    cohortid: row.int("cohortid")?,
                    userid: row.int("userid")?,
                    timeadded: row.int("timeadded")?,
                })
            })
            .collect()
    }

    /// Adds every membership of `members` in one transaction (Moodle's `cohort_add_member`);
    /// an existing membership is left as it is.
    pub async fn add_cohort_members(&self, members: &[CohortMembership]) -> Result<(), StoreError> {
        let insert = self.sql(
            "INSERT INTO {cohort_members} (cohortid, userid, timeadded) VALUES (?, ?, ?) \
             ON CONFLICT (cohortid, userid) DO NOTHING",
        );
        let mut tx = self.begin().await?;
        for member in members {
            tx.execute("cohort_members", &insert, args![member.cohortid, member.userid, now()])
                .await?;
        }
        tx.commit().await
    }
}
