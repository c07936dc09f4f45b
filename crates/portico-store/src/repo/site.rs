//! The site's name: Moodle keeps it as the site course's `fullname` (`$SITE->fullname`, course
//! id [`SITEID`]), not in `config`.
//!
//! Renaming the site is reported on the change feed as the setting `sitename`, the name
//! `admin/cli/cfg.php` users know it by, so that every node's cached site settings follow. This
//! module must never touch any other course.

use crate::change::ChangeKind;
use crate::db::args;
use crate::error::StoreError;
use crate::model::SITEID;
use crate::store::Store;

impl Store {
    /// The site's full name, as clients see it in `sitename`.
    pub async fn site_name(&self) -> Result<String, StoreError> {
        let sql = self.sql("SELECT fullname FROM {course} WHERE id = ?");
        let row = self.conn().await?.fetch_optional("course", &sql, args![SITEID]).await?;
        row.ok_or(StoreError::NotFound { entity: "course", id: SITEID })?.text("fullname")
    }

    /// Renames the site.
    pub async fn set_site_name(&self, name: &str) -> Result<(), StoreError> {
        let sql = self.sql("UPDATE {course} SET fullname = ?, timemodified = ? WHERE id = ?");
        let mut tx = self.begin().await?;
        let values = args![name, crate::store::now(), SITEID];
        if tx.execute("course", &sql, values).await? == 0 {
            return Err(StoreError::NotFound { entity: "course", id: SITEID });
        }
        self.record_change(&mut tx, ChangeKind::Config, "sitename").await?;
        tx.commit().await
    }
}
