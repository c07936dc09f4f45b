//! The site settings the endpoints read on every request, cached per node.
//!
//! A warm request must not wait for the database, so the settings (`config` rows) are read once
//! into a [`SiteView`] and forgotten when the store's change feed reports a setting change; the
//! same watcher keeps the node's access cache true. This module only reads settings: it must
//! never write them, nor decide access.

use std::sync::{Arc, OnceLock, RwLock, Weak};

use portico_access::watch_changes;
use portico_engine::Portico;
use portico_schema::{ClassNaming, SiteSettings};
use portico_store::{ChangeKind, StoreError};
use portico_wire::{DebugLevel, ErrorFormat};

/// Moodle's `DEBUG_NORMAL`.
const DEBUG_NORMAL: i64 = 15;
/// Moodle's `DEBUG_DEVELOPER`.
const DEBUG_DEVELOPER: i64 = 32767;
/// The first version whose exceptions are namespaced (Moodle 4.5, spec 01 §3.9).
const NAMESPACED_SINCE: i64 = 2024100700;
/// Moodle's default `sessiontimeout`: 8 hours.
const DEFAULT_SESSION_TIMEOUT: i64 = 8 * 3600;

/// The settings one request sees.
#[derive(Debug)]
pub(crate) struct SiteView {
    /// `enablewebservices`.
    pub(crate) enablewebservices: bool,
    /// `webserviceprotocols`: the enabled protocols.
    pub(crate) protocols: Vec<String>,
    /// How error documents are written (debug level, class names, links).
    pub(crate) error_format: ErrorFormat,
    /// What validation and functions see.
    pub(crate) settings: Arc<SiteSettings>,
    /// `sessiontimeout`, in seconds.
    pub(crate) session_timeout: i64,
}

impl SiteView {
    /// The view of the settings `(name, value)` for the site at `wwwroot`.
    pub(crate) fn from_config<'a>(
        wwwroot: &str,
        config: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> SiteView {
        let mut view = SiteView {
            enablewebservices: false,
            protocols: Vec::new(),
            error_format: ErrorFormat::new(wwwroot),
            settings: Arc::new(SiteSettings::default()),
            session_timeout: DEFAULT_SESSION_TIMEOUT,
        };
        let (mut debug, mut debugdisplay, mut version) = (0, false, NAMESPACED_SINCE);
        let int = |value: &str| value.trim().parse::<i64>().unwrap_or(0);
        for (name, value) in config {
            match name {
                "enablewebservices" => view.enablewebservices = int(value) != 0,
                "webserviceprotocols" => {
                    view.protocols = value.split(',').map(|name| name.trim().to_owned()).collect()
                }
                "debug" => debug = int(value),
                "debugdisplay" => debugdisplay = int(value) != 0,
                "version" => version = int(value),
                "sessiontimeout" if int(value) > 0 => view.session_timeout = int(value),
                _ => {}
            }
        }
        let format = &mut view.error_format;
        format.debug = match debug {
            level if level >= DEBUG_DEVELOPER => DebugLevel::Developer,
            level if level >= DEBUG_NORMAL => DebugLevel::Normal,
            _ => DebugLevel::None,
        };
        format.developer_messages = debugdisplay && debug >= DEBUG_DEVELOPER;
        format.class_naming =
            if version < NAMESPACED_SINCE { ClassNaming::Global } else { ClassNaming::Namespaced };
        format.docs_branch = docs_branch(version);
        view.settings = Arc::new(SiteSettings {
            wwwroot: wwwroot.to_owned(),
            developer_messages: format.developer_messages,
            ..SiteSettings::default()
        });
        view
    }
}

impl SiteView {
    /// Whether web services are on and `protocol` is enabled (`webservice_protocol_is_enabled`).
    pub(crate) fn protocol_enabled(&self, protocol: &str) -> bool {
        self.enablewebservices && self.protocols.iter().any(|name| name == protocol)
    }
}

/// The documentation branch of a Moodle version number: `405` for 2024100700 (4.5). Moodle's
/// version dates map to releases; only the ones Portico may claim are listed.
fn docs_branch(version: i64) -> String {
    let branch = match version {
        v if v >= 2025100600 => "501",
        v if v >= 2025041400 => "500",
        v if v >= 2024100700 => "405",
        v if v >= 2024042200 => "404",
        v if v >= 2023100900 => "403",
        v if v >= 2023042400 => "402",
        v if v >= 2022112800 => "401",
        _ => "400",
    };
    branch.to_owned()
}

/// The cached [`SiteView`] of a node.
pub(crate) struct SiteCache {
    node: Portico,
    wwwroot: String,
    current: RwLock<Option<Arc<SiteView>>>,
    watching: OnceLock<()>,
}

impl SiteCache {
    pub(crate) fn new(node: Portico, wwwroot: String) -> SiteCache {
        SiteCache { node, wwwroot, current: RwLock::new(None), watching: OnceLock::new() }
    }

    /// The current settings, read from the store when nothing is cached.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<Arc<SiteView>, StoreError> {
        self.watch();
        if let Some(view) = self.read().clone() {
            return Ok(view);
        }
        let rows = self.node.store.list_config().await?;
        let view = Arc::new(SiteView::from_config(
            &self.wwwroot,
            rows.iter().map(|row| (row.name.as_str(), row.value.as_str())),
        ));
        *self.write() = Some(view.clone());
        Ok(view)
    }

    /// Forgets the cached settings.
    pub(crate) fn forget(&self) {
        *self.write() = None;
    }

    /// Starts, once, the tasks that follow the change feed: one for this cache, one for the
    /// node's access cache. Called from a request, so a Tokio runtime is running.
    fn watch(self: &Arc<Self>) {
        self.watching.get_or_init(|| {
            let access = self.node.access.clone();
            tokio::spawn(async move {
                if let Err(error) = watch_changes(access).await {
                    tracing::error!(%error, "the access cache stopped following changes");
                }
            });
            let cache: Weak<SiteCache> = Arc::downgrade(self);
            let store = self.node.store.clone();
            tokio::spawn(async move {
                let mut changes = match store.changes().await {
                    Ok(changes) => changes,
                    Err(error) => {
                        tracing::error!(%error, "site settings cannot follow changes");
                        return;
                    }
                };
                // Changes made before the subscription would be missed: start clean.
                if let Some(cache) = cache.upgrade() {
                    cache.forget();
                }
                while let Some(change) = changes.recv().await {
                    let Some(cache) = cache.upgrade() else { return };
                    if matches!(change.kind, ChangeKind::Config | ChangeKind::Resync) {
                        cache.forget();
                    }
                }
            });
        });
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Arc<SiteView>>> {
        // A poisoned lock holds a complete `Option<Arc<_>>`; the value is still usable.
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Arc<SiteView>>> {
        self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(config: &[(&str, &str)], debug: DebugLevel, developer: bool, naming: ClassNaming) {
        let view = SiteView::from_config("http://x", config.iter().copied());
        assert_eq!(view.error_format.debug, debug, "{config:?}");
        assert_eq!(view.error_format.developer_messages, developer, "{config:?}");
        assert_eq!(view.settings.developer_messages, developer, "{config:?}");
        assert_eq!(view.error_format.class_naming, naming, "{config:?}");
    }

    #[test]
    fn debug_levels_and_class_names_follow_the_settings() {
        use ClassNaming::{Global, Namespaced};
        use DebugLevel::{Developer, None, Normal};
        check(&[], None, false, Namespaced);
        check(&[("debug", "15")], Normal, false, Namespaced);
        check(&[("debug", "32767")], Developer, false, Namespaced);
        check(&[("debug", "32767"), ("debugdisplay", "1")], Developer, true, Namespaced);
        check(&[("debug", "15"), ("debugdisplay", "1")], Normal, false, Namespaced);
        check(&[("version", "2022112800")], None, false, Global);
        check(&[("version", "2024100700")], None, false, Namespaced);
        check(&[("debug", "garbage")], None, false, Namespaced);
    }
}
