//! Opening the site: the store at its newest schema, installed on first use, and this build's
//! functions.
//!
//! Every command goes through [`open`], so whichever command runs first on an empty database sets
//! the site up (spec 02 §12: web services, REST and the mobile service on, an administrator).
//! This module must never serve requests or print anything but the one-time administrator
//! password.

use anyhow::{Context as _, bail};
use portico_engine::Registry;
use portico_engine::install::{InstallOptions, install, is_installed};
use portico_store::Store;
use portico_store::model::{MNET_LOCALHOST_ID, User};
use rand::RngExt as _;
use rand::distr::Alphanumeric;

use crate::settings::DataSettings;

/// The administrator's username on a new site.
pub(crate) const ADMIN_USERNAME: &str = "admin";
/// The variable holding the administrator's password for a new site.
pub(crate) const ADMIN_PASSWORD_VAR: &str = "PORTICO_ADMIN_PASSWORD";
/// Length of a generated administrator password: letters and digits only, so that it can be
/// pasted into a shell command unquoted; 24 of them carry about 142 bits.
const GENERATED_PASSWORD_LENGTH: usize = 24;

/// Every external function this build serves.
pub(crate) fn registry() -> Registry {
    portico_functions::registry()
}

/// Opens the store of `settings`, brings its schema up to date and, on an empty database, sets
/// the site up with `registry`'s functions.
pub(crate) async fn open(settings: &DataSettings, registry: &Registry) -> anyhow::Result<Store> {
    Ok(open_site(settings, registry).await?.0)
}

/// As [`open`]; also says whether the site was set up by this call (the database was empty).
pub(crate) async fn open_site(
    settings: &DataSettings,
    registry: &Registry,
) -> anyhow::Result<(Store, bool)> {
    if settings.default_database {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!("cannot create the data directory {}", settings.data_dir.display())
        })?;
    }
    let store = Store::open(&settings.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&settings.database_url)))?;
    let report = store.migrate().await.context("cannot bring the database schema up to date")?;
    if !report.applied.is_empty() {
        tracing::info!(from = report.from, to = report.to, "database schema migrated");
    }
    let new_site = !is_installed(&store).await?;
    if new_site {
        install_site(&store, registry).await?;
    }
    Ok((store, new_site))
}

/// The first-run setup: the administrator's password comes from [`ADMIN_PASSWORD_VAR`] or is
/// generated and printed this once, on standard error so that a command's own output stays
/// clean.
async fn install_site(store: &Store, registry: &Registry) -> anyhow::Result<()> {
    let given = std::env::var(ADMIN_PASSWORD_VAR).ok().filter(|password| !password.is_empty());
    let password = given.clone().unwrap_or_else(generate_password);
    let options = InstallOptions {
        admin_username: ADMIN_USERNAME.to_owned(),
        admin_password: password.clone(),
        admin_email: String::new(),
    };
    install(store, registry, &options).await.map_err(|error| {
        anyhow::anyhow!("cannot set the site up: {}", error.to_exception().message)
    })?;
    tracing::info!("new site set up with administrator {ADMIN_USERNAME}");
    if given.is_none() {
        eprintln!(
            "New site: administrator {ADMIN_USERNAME}, password {password}\n\
             (shown only this once; change it with `portico user set-password {ADMIN_USERNAME}`)"
        );
    }
    Ok(())
}

fn generate_password() -> String {
    rand::rng().sample_iter(Alphanumeric).take(GENERATED_PASSWORD_LENGTH).map(char::from).collect()
}

/// The site's main administrator: the first of `siteadmins`, who creates tokens made here.
pub(crate) async fn main_admin(store: &Store) -> anyhow::Result<User> {
    let admins = store.get_config("siteadmins").await?.unwrap_or_default();
    for id in admins.split(',').filter_map(|id| id.trim().parse::<i64>().ok()) {
        if let Some(user) = store.user_by_id(id).await?
            && user.deleted == 0
        {
            return Ok(user);
        }
    }
    bail!("the site has no administrator (setting siteadmins is {admins:?})")
}

/// The local user `username`, or an error naming it.
pub(crate) async fn local_user(store: &Store, username: &str) -> anyhow::Result<User> {
    match store.user_by_username(username, MNET_LOCALHOST_ID).await? {
        Some(user) if user.deleted == 0 => Ok(user),
        _ => bail!("unknown user {username:?}"),
    }
}

/// `url` without a password, for messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    match authority.rsplit_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or_default();
            let slash = if rest.contains('/') { "/" } else { "" };
            format!("{scheme}://{user}:***@{host}{slash}{path}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_database_urls() {
        let check = |url: &str, expected: &str| assert_eq!(redact(url), expected);
        check("postgres://portico:secret@db/portico", "postgres://portico:***@db/portico");
        check("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/test");
        check("sqlite://./portico-data/portico.db", "sqlite://./portico-data/portico.db");
        check("postgres://u:p@h", "postgres://u:***@h");
    }

    #[test]
    fn generated_passwords_are_long_and_shell_safe() {
        let password = generate_password();
        assert_eq!(password.len(), GENERATED_PASSWORD_LENGTH);
        assert!(password.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(password, generate_password());
    }
}
