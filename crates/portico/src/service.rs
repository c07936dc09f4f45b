//! `portico service`: external services (bundles of functions), their functions and their
//! authorised users, as Moodle's "External services" administration pages manage them.
//!
//! Services made here have no `component`, like those an administrator adds in Moodle; the
//! function list of a built-in service (one with a component, such as `moodle_mobile_app`) comes
//! from the functions' declarations and cannot be edited (spec 02 §12). This module must never
//! decide whether a call is allowed.

use anyhow::bail;
use clap::Subcommand;
use portico_engine::Registry;
use portico_engine::install::now;
use portico_schema::ParamType;
use portico_store::model::{ExternalService, ExternalServiceUser};
use portico_store::{Store, StoreError};

use crate::input::{function_names, ip_restriction, is_clean, parse_valid_until, print_table};
use crate::site::local_user;

/// Longest service name (`external_services.name`, `char(200)`).
const MAX_NAME: usize = 200;
/// Longest short name (`char(255)`).
const MAX_SHORTNAME: usize = 255;
/// Longest capability name (`requiredcapability`, `char(150)`).
const MAX_CAPABILITY: usize = 150;

/// `portico service ...`
#[derive(Subcommand, Debug)]
pub(crate) enum ServiceCommand {
    /// Create an enabled service.
    Create {
        /// Identifier clients name at login (`service=`): letters, digits, `_` and `-`.
        #[arg(long)]
        shortname: String,
        /// Display name, unique.
        #[arg(long)]
        name: String,
        /// Comma-separated function names.
        #[arg(long, value_name = "F1,F2")]
        functions: String,
        /// Only users authorised with `portico service authorise` may use it.
        #[arg(long)]
        restricted_users: bool,
        /// A capability every user of the service must hold.
        #[arg(long, value_name = "CAPABILITY")]
        required_capability: Option<String>,
        /// Allow file uploads (`webservice/upload.php`).
        #[arg(long)]
        upload_files: bool,
        /// Allow file downloads (`webservice/pluginfile.php`).
        #[arg(long)]
        download_files: bool,
    },
    /// List the services.
    List,
    /// Add functions to a service made by an administrator.
    AddFunctions {
        /// The service's short name.
        shortname: String,
        /// Comma-separated function names.
        #[arg(value_name = "F1,F2")]
        functions: String,
    },
    /// Authorise a user on a restricted service, or change an existing authorisation.
    Authorise {
        /// The service's short name.
        shortname: String,
        /// The user's login name.
        #[arg(long = "user", value_name = "USERNAME")]
        username: String,
        /// Addresses the user may call from (`192.168.1.0/24,10.0.0.7`); default: anywhere.
        #[arg(long, value_name = "LIST")]
        ip_restriction: Option<String>,
        /// End of the authorisation, RFC 3339 (`2030-01-31T12:00:00Z`); default: none.
        #[arg(long, value_name = "DATE")]
        valid_until: Option<String>,
    },
}

/// Runs `command`.
pub(crate) async fn run(
    store: &Store,
    registry: &Registry,
    command: ServiceCommand,
) -> anyhow::Result<()> {
    match command {
        ServiceCommand::Create {
            shortname,
            name,
            functions,
            restricted_users,
            required_capability,
            upload_files,
            download_files,
        } => {
            check_shortname(&shortname)?;
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > MAX_NAME {
                bail!("the service name must have 1 to {MAX_NAME} characters");
            }
            let functions = function_names(&functions, registry)?;
            let required_capability = match required_capability {
                Some(capability) => Some(known_capability(store, capability.trim()).await?),
                None => None,
            };
            let services = store.list_services().await?;
            if services.iter().any(|service| service.shortname.as_deref() == Some(&shortname)) {
                bail!("a service with short name {shortname:?} already exists");
            }
            if services.iter().any(|service| service.name == name) {
                bail!("a service named {name:?} already exists");
            }
            let time = now();
            let service = ExternalService {
                id: 0,
                name,
                enabled: 1,
                requiredcapability: required_capability,
                restrictedusers: i64::from(restricted_users),
                component: None,
                timecreated: time,
                timemodified: Some(time),
                shortname: Some(shortname.clone()),
                downloadfiles: i64::from(download_files),
                uploadfiles: i64::from(upload_files),
            };
            let service = match store.create_service(&service).await {
                Err(StoreError::Conflict { .. }) => {
                    bail!("a service with this name or short name already exists")
                }
                created => created?,
            };
            for function in &functions {
                store.add_service_function(service.id, function).await?;
            }
            println!(
                "created service {shortname} (id {}) with {} function(s)",
                service.id,
                functions.len()
            );
        }
        ServiceCommand::List => {
            let mut rows = Vec::new();
            for service in store.list_services().await? {
                let functions = store.service_functions(service.id).await?.len();
                let users = if service.restrictedusers != 0 {
                    format!("{} authorised", store.service_users(service.id).await?.len())
                } else {
                    "all".to_owned()
                };
                let files = match (service.downloadfiles != 0, service.uploadfiles != 0) {
                    (true, true) => "download,upload",
                    (true, false) => "download",
                    (false, true) => "upload",
                    (false, false) => "-",
                };
                rows.push(vec![
                    service.shortname.clone().unwrap_or_default(),
                    service.name.clone(),
                    if service.enabled != 0 { "yes" } else { "no" }.to_owned(),
                    users,
                    service.requiredcapability.clone().unwrap_or_else(|| "-".to_owned()),
                    files.to_owned(),
                    functions.to_string(),
                    service.component.clone().unwrap_or_else(|| "-".to_owned()),
                ]);
            }
            print_table(
                &[
                    "SHORTNAME",
                    "NAME",
                    "ENABLED",
                    "USERS",
                    "CAPABILITY",
                    "FILES",
                    "FUNCTIONS",
                    "COMPONENT",
                ],
                &rows,
            );
        }
        ServiceCommand::AddFunctions { shortname, functions } => {
            let service = service(store, &shortname).await?;
            if let Some(component) = &service.component {
                bail!(
                    "service {shortname:?} is built in (component {component}): its functions \
                     come from their declarations and cannot be edited"
                );
            }
            let functions = function_names(&functions, registry)?;
            let existing = store.service_functions(service.id).await?;
            let mut added = 0;
            for function in &functions {
                if !existing.iter().any(|row| &row.functionname == function) {
                    store.add_service_function(service.id, function).await?;
                    added += 1;
                }
            }
            println!("added {added} function(s) to service {shortname}");
        }
        ServiceCommand::Authorise { shortname, username, ip_restriction: ips, valid_until } => {
            let service = service(store, &shortname).await?;
            let user = local_user(store, &username).await?;
            let iprestriction = ips.as_deref().map(ip_restriction).transpose()?;
            let time = now();
            let validuntil =
                valid_until.as_deref().map(|date| parse_valid_until(date, time)).transpose()?;
            let listing = ExternalServiceUser {
                id: 0,
                externalserviceid: service.id,
                userid: user.id,
                iprestriction,
                validuntil,
                timecreated: Some(time),
            };
            match store.service_user(service.id, user.id).await? {
                Some(existing) => {
                    store
                        .update_service_user(&ExternalServiceUser { id: existing.id, ..listing })
                        .await?;
                    println!("updated the authorisation of {username} on service {shortname}");
                }
                None => {
                    store.add_service_user(&listing).await?;
                    println!("authorised {username} on service {shortname}");
                }
            }
            if service.restrictedusers == 0 {
                eprintln!(
                    "note: service {shortname} is open to all users; the authorisation only \
                     matters once it is restricted"
                );
            }
        }
    }
    Ok(())
}

/// The service with short name `shortname`, or an error naming it.
pub(crate) async fn service(store: &Store, shortname: &str) -> anyhow::Result<ExternalService> {
    match store.service_by_shortname(shortname).await? {
        Some(service) => Ok(service),
        None => bail!("unknown service {shortname:?} (see `portico service list`)"),
    }
}

fn check_shortname(shortname: &str) -> anyhow::Result<()> {
    // `login/token.php` cleans `service` with PARAM_ALPHANUMEXT: any other character would make
    // the service unreachable at login.
    if shortname.is_empty()
        || shortname.len() > MAX_SHORTNAME
        || !is_clean(shortname, ParamType::AlphaNumExt)
    {
        bail!(
            "invalid short name {shortname:?}: use 1 to {MAX_SHORTNAME} letters, digits, \
             underscores (_) and hyphens (-)"
        );
    }
    Ok(())
}

async fn known_capability(store: &Store, capability: &str) -> anyhow::Result<String> {
    if capability.len() > MAX_CAPABILITY || store.capability_by_name(capability).await?.is_none() {
        bail!("unknown capability {capability:?}");
    }
    Ok(capability.to_owned())
}
