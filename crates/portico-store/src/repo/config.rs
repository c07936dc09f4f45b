//! Site settings: `config` (`$CFG->name`) and `config_plugins` (`get_config($plugin, $name)`).
//!
//! Values are strings, as in Moodle; interpreting them is the caller's business. Every write is
//! reported on the change feed, since settings such as `enablewebservices` decide access.

use crate::change::ChangeKind;
use crate::db::{Row, args};
use crate::error::StoreError;
use crate::model::{Config, ConfigPlugin};
use crate::store::Store;

fn config_from(row: &Row) -> Result<Config, StoreError> {
    Ok(Config { id: row.int("id")?, name: row.text("name")?, value: row.text("value")? })
}

fn config_plugin_from(row: &Row) -> Result<ConfigPlugin, StoreError> {
    Ok(ConfigPlugin {
        id: row.int("id")?,
        plugin: row.text("plugin")?,
        name: row.text("name")?,
        value: row.text("value")?,
    })
}

impl Store {
    /// The site setting `name`, if set.
    pub async fn get_config(&self, name: &str) -> Result<Option<String>, StoreError> {
        let sql = self.sql("SELECT id, name, value FROM {config} WHERE name = ?");
        let row = self.conn().await?.fetch_optional("config", &sql, args![name]).await?;
        row.map(|row| row.text("value")).transpose()
    }

    /// Sets the site setting `name` to `value`, creating it if needed.
    pub async fn set_config(&self, name: &str, value: &str) -> Result<(), StoreError> {
        let sql = self.sql(
            "INSERT INTO {config} (name, value) VALUES (?, ?) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        );
        let mut tx = self.begin().await?;
        tx.execute("config", &sql, args![name, value]).await?;
        self.record_change(&mut tx, ChangeKind::Config, name).await?;
        tx.commit().await
    }

    /// Removes the site setting `name`; returns whether it existed.
    pub async fn unset_config(&self, name: &str) -> Result<bool, StoreError> {
        let sql = self.sql("DELETE FROM {config} WHERE name = ?");
        let mut tx = self.begin().await?;
        let deleted = tx.execute("config", &sql, args![name]).await? > 0;
        self.record_change(&mut tx, ChangeKind::Config, name).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Every site setting, by name.
    pub async fn list_config(&self) -> Result<Vec<Config>, StoreError> {
        let sql = self.sql("SELECT id, name, value FROM {config} ORDER BY name");
        let rows = self.conn().await?.fetch_all("config", &sql, args![]).await?;
        rows.iter().map(config_from).collect()
    }

    /// The plugin setting `plugin`/`name`, if set.
    pub async fn get_plugin_config(
        &self,
        plugin: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = self.sql("SELECT value FROM {config_plugins} WHERE plugin = ? AND name = ?");
        let row =
            self.conn().await?.fetch_optional("config_plugins", &sql, args![plugin, name]).await?;
        row.map(|row| row.text("value")).transpose()
    }

    /// Sets the plugin setting `plugin`/`name` to `value`, creating it if needed.
    pub async fn set_plugin_config(
        &self,
        plugin: &str,
        name: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let sql = self.sql(
            "INSERT INTO {config_plugins} (plugin, name, value) VALUES (?, ?, ?) \
             ON CONFLICT (plugin, name) DO UPDATE SET value = excluded.value",
        );
        let mut tx = self.begin().await?;
        tx.execute("config_plugins", &sql, args![plugin, name, value]).await?;
        self.record_change(&mut tx, ChangeKind::Config, format!("{plugin}/{name}")).await?;
        tx.commit().await
    }

    /// Every setting of `plugin`, by name.
    pub async fn list_plugin_config(&self, plugin: &str) -> Result<Vec<ConfigPlugin>, StoreError> {
        let sql = self.sql(
            "SELECT id, plugin, name, value FROM {config_plugins} WHERE plugin = ? ORDER BY name",
        );
        let rows = self.conn().await?.fetch_all("config_plugins", &sql, args![plugin]).await?;
        rows.iter().map(config_plugin_from).collect()
    }

    /// Every plugin setting, ordered by plugin and name.
    pub async fn list_all_plugin_config(&self) -> Result<Vec<ConfigPlugin>, StoreError> {
        let sql =
            self.sql("SELECT id, plugin, name, value FROM {config_plugins} ORDER BY plugin, name");
        let rows = self.conn().await?.fetch_all("config_plugins", &sql, args![]).await?;
        rows.iter().map(config_plugin_from).collect()
    }
}
