//! `portico token`: tokens made by an administrator, as Moodle's "Manage tokens" page makes them
//! (spec 02 §2.3, §2.4): permanent, system context, a private token and a `Webservice-` name,
//! created by the site's main administrator.
//!
//! `token create` prints the token alone on standard output so that scripts can capture it.
//! This module must never decide whether a call is allowed, nor write a token to the log.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use anyhow::bail;
use clap::Subcommand;
use portico_access::token::{generate_private_token, generate_token, generate_token_name};
use portico_access::{Access, StoreSource};
use portico_engine::install::now;
use portico_store::Store;
use portico_store::model::{EXTERNAL_TOKEN_PERMANENT, ExternalToken, SYSTEM_CONTEXT_ID};

use crate::input::{format_time, ip_restriction, parse_valid_until, print_table};
use crate::service::service;
use crate::site::{local_user, main_admin};

/// How often Moodle draws a new token when the one drawn already exists (`generate_token`).
const GENERATION_ATTEMPTS: usize = 5;

/// `portico token ...`
#[derive(Subcommand, Debug)]
pub(crate) enum TokenCommand {
    /// Create a token and print it alone on standard output.
    Create {
        /// The user the token acts as.
        #[arg(long = "user", value_name = "USERNAME")]
        username: String,
        /// The short name of the one service the token can use.
        #[arg(long = "service", value_name = "SHORTNAME")]
        shortname: String,
        /// Expiry, RFC 3339 (`2030-01-31T12:00:00Z`); default: never.
        #[arg(long, value_name = "DATE")]
        valid_until: Option<String>,
        /// Addresses the token may be used from (`192.168.1.0/24,10.0.0.7`); default: anywhere.
        #[arg(long, value_name = "LIST")]
        ip_restriction: Option<String>,
    },
    /// List every token, with its user, service, restrictions and last use.
    List,
    /// Delete a token; clients using it are refused from then on.
    Revoke {
        /// The token (32 hexadecimal characters).
        token: String,
    },
}

/// Runs `command`.
pub(crate) async fn run(store: &Store, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { username, shortname, valid_until, ip_restriction: ips } => {
            let user = local_user(store, &username).await?;
            let siteguest = store.get_config("siteguest").await?;
            if siteguest.as_deref() == Some(user.id.to_string().as_str()) {
                bail!("the guest user cannot have a token");
            }
            let service = service(store, &shortname).await?;
            let iprestriction = ips.as_deref().map(ip_restriction).transpose()?;
            let time = now();
            let validuntil =
                valid_until.as_deref().map(|date| parse_valid_until(date, time)).transpose()?;
            if let Some(capability) =
                service.requiredcapability.as_deref().filter(|name| !name.is_empty())
            {
                let access = Access::new(StoreSource::new(store.clone()));
                let holds = access
                    .has_capability(user.id, capability, SYSTEM_CONTEXT_ID)
                    .await
                    .map_err(|error| anyhow::anyhow!("{}", error.exception().message))?;
                if !holds {
                    // Moodle's `nocapabilitytousethisservice`, word for word (spec 02 §2.4).
                    bail!("The user hasn't the required capability to use this service");
                }
            }
            let creator = main_admin(store).await?;
            let token = ExternalToken {
                id: 0,
                token: unused_token(store).await?,
                privatetoken: Some(generate_private_token()),
                tokentype: EXTERNAL_TOKEN_PERMANENT,
                userid: user.id,
                externalserviceid: service.id,
                sid: None,
                contextid: SYSTEM_CONTEXT_ID,
                creatorid: creator.id,
                iprestriction,
                validuntil,
                timecreated: time,
                lastaccess: None,
                name: Some(generate_token_name()),
            };
            let token = store.create_token(&token).await?;
            println!("{}", token.token);
        }
        TokenCommand::List => {
            let services: HashMap<i64, String> = store
                .list_services()
                .await?
                .into_iter()
                .map(|service| {
                    let label = service.shortname.unwrap_or(service.name);
                    (service.id, label)
                })
                .collect();
            let mut usernames: HashMap<i64, String> = HashMap::new();
            let mut rows = Vec::new();
            for token in store.list_tokens().await? {
                for id in [token.userid, token.creatorid] {
                    if let Entry::Vacant(slot) = usernames.entry(id) {
                        let user = store.user_by_id(id).await?;
                        slot.insert(user.map_or_else(|| format!("#{id}"), |user| user.username));
                    }
                }
                rows.push(vec![
                    token.token.clone(),
                    token.name.clone().unwrap_or_default(),
                    usernames[&token.userid].clone(),
                    services
                        .get(&token.externalserviceid)
                        .cloned()
                        .unwrap_or_else(|| format!("#{}", token.externalserviceid)),
                    if token.tokentype == EXTERNAL_TOKEN_PERMANENT {
                        "permanent"
                    } else {
                        "embedded"
                    }
                    .to_owned(),
                    token
                        .iprestriction
                        .clone()
                        .filter(|ips| !ips.is_empty())
                        .unwrap_or_else(|| "-".to_owned()),
                    format_time(token.validuntil),
                    token
                        .lastaccess
                        .map_or_else(|| "never".to_owned(), |time| format_time(Some(time))),
                    usernames[&token.creatorid].clone(),
                ]);
            }
            print_table(
                &[
                    "TOKEN",
                    "NAME",
                    "USER",
                    "SERVICE",
                    "TYPE",
                    "IP RESTRICTION",
                    "VALID UNTIL",
                    "LAST ACCESS",
                    "CREATOR",
                ],
                &rows,
            );
        }
        TokenCommand::Revoke { token } => {
            let token = token.trim();
            // `token` is indexed, not unique: revoke every row carrying this secret.
            let mut revoked = 0;
            while let Some(row) = store.token_by_value(token).await? {
                store.delete_token(row.id).await?;
                revoked += 1;
            }
            if revoked == 0 {
                bail!("unknown token {token:?} (see `portico token list`)");
            }
            println!("token revoked");
        }
    }
    Ok(())
}

/// A token no row uses yet; after [`GENERATION_ATTEMPTS`] collisions, Moodle's
/// `tokengenerationfailed`.
async fn unused_token(store: &Store) -> anyhow::Result<String> {
    for _ in 0..GENERATION_ATTEMPTS {
        let token = generate_token();
        if !store.token_exists(&token).await? {
            return Ok(token);
        }
    }
    bail!("Cannot generate a new token.")
}
