//! `portico functions list`: the external functions this build serves, with the services that
//! offer each.
//!
//! The list comes from the registry (this build's code), the memberships from the database.
//! This module must never change anything.

use std::collections::BTreeMap;

use portico_engine::Registry;
use portico_store::Store;

use crate::input::print_table;

/// Prints every function: name, component, read or write, and the services offering it.
pub(crate) async fn list(store: &Store, registry: &Registry) -> anyhow::Result<()> {
    let mut services_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for service in store.list_services().await? {
        let label = service.shortname.clone().unwrap_or_else(|| service.name.clone());
        for row in store.service_functions(service.id).await? {
            services_of.entry(row.functionname).or_default().push(label.clone());
        }
    }
    let rows: Vec<Vec<String>> = registry
        .iter()
        .map(|function| {
            let info = function.info();
            let services = services_of.get(info.name.as_ref()).map(|names| names.join(","));
            vec![
                info.name.to_string(),
                info.component.to_string(),
                info.kind.as_str().to_owned(),
                services.unwrap_or_else(|| "-".to_owned()),
            ]
        })
        .collect();
    print_table(&["NAME", "COMPONENT", "TYPE", "SERVICES"], &rows);
    Ok(())
}
