//! [`Portico`]: what every request on one node shares.

use std::sync::Arc;

use portico_access::{Access, StoreSource};
use portico_store::Store;

use crate::registry::Registry;

/// One running Portico node: its store, its access cache (kept true by the change feed, see
/// `portico_access::watch_changes`) and the functions it serves. Cheap to clone.
#[derive(Clone)]
pub struct Portico {
    /// The database.
    pub store: Store,
    /// Access decisions, cached.
    pub access: Arc<Access<StoreSource>>,
    /// The functions this node serves.
    pub registry: Arc<Registry>,
}

impl Portico {
    /// A node serving `registry` from `store`, with a cold access cache.
    pub fn new(store: Store, registry: Registry) -> Portico {
        let access = Arc::new(Access::new(StoreSource::new(store.clone())));
        Portico { store, access, registry: Arc::new(registry) }
    }
}
