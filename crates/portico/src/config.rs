//! `portico config`: site settings under Moodle's names, as `admin/cli/cfg.php` reads and writes
//! them.
//!
//! As in `cfg.php`: `get` prints the raw value and exits with status 3 when the setting does not
//! exist; `list` prints `name<TAB>value` lines; `set` writes any name. Beyond `cfg.php`, the
//! settings Portico acts on are checked before they are written, and two are not plain rows:
//! `sitename` is the site course's full name, and `enablemobilewebservice` is Moodle's mobile
//! switch (spec 02 §12), whose value is read from the state it switches. This module must never
//! decide access; running servers see every change through the store's change feed.

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use portico_engine::install::{MOBILE_SERVICE, enable_mobile_services};
use portico_store::Store;
use portico_store::model::{CAP_ALLOW, SYSTEM_CONTEXT_ID, role_id};

/// `cfg.php`'s exit status when the setting asked for does not exist.
const NOT_FOUND: u8 = 3;

/// Protocols `webserviceprotocols` may list: Moodle's server plugins' names.
const PROTOCOLS: &[&str] = &["rest", "soap", "xmlrpc"];

/// `portico config ...`
#[derive(Subcommand, Debug)]
pub(crate) enum ConfigCommand {
    /// Print a setting's value; exit status 3 when it does not exist.
    Get {
        /// The setting's name, as in Moodle (`enablewebservices`, `debug`, `sitename`, ...).
        name: String,
    },
    /// Set a setting.
    Set {
        /// The setting's name.
        name: String,
        /// The new value.
        value: String,
    },
    /// Print every setting as `name<TAB>value`.
    List,
}

/// What values a setting Portico acts on accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `0` or `1` (also `false`/`true`, `off`/`on`, `no`/`yes`, stored as `0` or `1`).
    Bool,
    /// A whole number, zero or more.
    Count,
    /// A comma-separated list of [`PROTOCOLS`].
    Protocols,
    /// Any text that is not blank.
    Text,
}

/// Settings Portico reads, and what each accepts; any other name is written unchecked.
const KNOWN: &[(&str, Kind)] = &[
    ("debug", Kind::Count),
    ("debugdisplay", Kind::Bool),
    ("enablemobilewebservice", Kind::Bool),
    ("enablewebservices", Kind::Bool),
    ("lockoutduration", Kind::Count),
    ("lockoutthreshold", Kind::Count),
    ("lockoutwindow", Kind::Count),
    ("maintenance_enabled", Kind::Bool),
    ("maxbytes", Kind::Count),
    ("passwordchangetokendeletion", Kind::Bool),
    ("release", Kind::Text),
    ("sitename", Kind::Text),
    ("tokenduration", Kind::Count),
    ("version", Kind::Count),
    ("webserviceprotocols", Kind::Protocols),
];

/// Runs `command`; the exit status is `cfg.php`'s.
pub(crate) async fn run(store: &Store, command: ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Get { name } => match get(store, &name).await? {
            Some(value) => println!("{value}"),
            None => {
                eprintln!("No such configuration variable found.");
                return Ok(ExitCode::from(NOT_FOUND));
            }
        },
        ConfigCommand::Set { name, value } => {
            let name = name.trim();
            if name.is_empty() {
                bail!("Missing configuration variable name");
            }
            let value = checked(name, &value)?;
            set(store, name, &value).await?;
        }
        ConfigCommand::List => {
            let mut settings: Vec<(String, String)> = Vec::new();
            for row in store.list_config().await? {
                let value = match row.name.as_str() {
                    "enablemobilewebservice" => mobile_switch(store).await?.to_owned(),
                    _ => row.value,
                };
                settings.push((row.name, value));
            }
            settings.push(("sitename".to_owned(), store.site_name().await?));
            settings.sort();
            for (name, value) in settings {
                println!("{name}\t{value}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn get(store: &Store, name: &str) -> anyhow::Result<Option<String>> {
    Ok(match name {
        "sitename" => Some(store.site_name().await?),
        "enablemobilewebservice" => Some(mobile_switch(store).await?.to_owned()),
        _ => store.get_config(name).await?,
    })
}

async fn set(store: &Store, name: &str, value: &str) -> anyhow::Result<()> {
    match (name, value) {
        ("sitename", _) => store.set_site_name(value).await?,
        ("enablemobilewebservice", "1") => enable_mobile_services(store).await?,
        ("enablemobilewebservice", _) => {
            // Moodle's switch turned off only disables the service; web services, REST and the
            // capability grant stay as they are.
            if let Some(service) = store.service_by_shortname(MOBILE_SERVICE).await? {
                store.set_service_enabled(service.id, false).await?;
            }
            store.set_config(name, "0").await?;
        }
        _ => store.set_config(name, value).await?,
    }
    Ok(())
}

/// The mobile switch as Moodle reads it: on only while web services are enabled, the mobile
/// service is enabled and authenticated users may use REST.
async fn mobile_switch(store: &Store) -> anyhow::Result<&'static str> {
    let webservices = store.get_config("enablewebservices").await?.as_deref() == Some("1");
    let service = store.service_by_shortname(MOBILE_SERVICE).await?;
    let service_enabled = service.is_some_and(|service| service.enabled != 0);
    let userrole = store
        .get_config("defaultuserroleid")
        .await?
        .and_then(|id| id.parse().ok())
        .unwrap_or(role_id::USER);
    let granted = store.role_capabilities_in_context(SYSTEM_CONTEXT_ID).await?.iter().any(|row| {
        row.roleid == userrole
            && row.capability == "webservice/rest:use"
            && row.permission == CAP_ALLOW
    });
    Ok(if webservices && service_enabled && granted { "1" } else { "0" })
}

/// `value` as stored for setting `name`, or why it is refused.
fn checked(name: &str, value: &str) -> anyhow::Result<String> {
    let Some(&(_, kind)) = KNOWN.iter().find(|(known, _)| *known == name) else {
        return Ok(value.to_owned());
    };
    let trimmed = value.trim();
    match kind {
        Kind::Bool => match trimmed.to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok("1".to_owned()),
            "0" | "false" | "off" | "no" => Ok("0".to_owned()),
            _ => bail!("invalid value {value:?} for {name}: expected 0 or 1"),
        },
        Kind::Count => match trimmed.parse::<u64>() {
            Ok(count) => Ok(count.to_string()),
            Err(_) => bail!("invalid value {value:?} for {name}: expected a whole number"),
        },
        Kind::Protocols => {
            let list = crate::input::split_list(trimmed);
            if let Some(unknown) = list.iter().find(|p| !PROTOCOLS.contains(&p.as_str())) {
                bail!(
                    "invalid value {value:?} for {name}: unknown protocol {unknown:?} (known: {})",
                    PROTOCOLS.join(", ")
                );
            }
            Ok(list.join(","))
        }
        Kind::Text => {
            if trimmed.is_empty() {
                bail!("invalid value for {name}: it must not be empty");
            }
            Ok(trimmed.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_settings_are_checked() {
        let check = |name: &str, value: &str, expected: Option<&str>| {
            assert_eq!(checked(name, value).ok().as_deref(), expected, "{name}={value}");
        };
        check("enablewebservices", "1", Some("1"));
        check("enablewebservices", " On", Some("1"));
        check("enablewebservices", "2", None);
        check("debug", "32767", Some("32767"));
        check("debug", "-1", None);
        check("maxbytes", "lots", None);
        check("webserviceprotocols", "rest, soap", Some("rest,soap"));
        check("webserviceprotocols", "", Some(""));
        check("webserviceprotocols", "rest,graphql", None);
        check("sitename", "  ", None);
        check("sitename", " My site ", Some("My site"));
        check("anythingelse", " kept as is ", Some(" kept as is "));
    }

    #[test]
    fn the_known_table_is_sorted() {
        assert!(KNOWN.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }
}
