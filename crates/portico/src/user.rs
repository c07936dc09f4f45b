//! `portico user`: local accounts, as Moodle's user creation and password reset make them.
//!
//! Usernames follow Moodle's `PARAM_USERNAME` rule (lowercase letters, digits, `_ - . @`);
//! passwords are hashed as the site stores new ones. This module must never print a password or
//! a hash.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use portico_engine::install::{hash_new_password, new_local_user};
use portico_schema::ParamType;
use portico_store::model::MNET_LOCALHOST_ID;
use portico_store::{Store, StoreError};

use crate::input::is_clean;
use crate::site::local_user;

/// `portico user ...`
#[derive(Subcommand, Debug)]
pub(crate) enum UserCommand {
    /// Create a local user who logs in with a password.
    Create {
        /// Login name: lowercase letters, digits, `_`, `-`, `.` and `@`.
        #[arg(long)]
        username: String,
        /// The password.
        #[arg(long)]
        password: String,
        /// E-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// First name.
        #[arg(long, default_value = "")]
        firstname: String,
        /// Last name.
        #[arg(long, default_value = "")]
        lastname: String,
    },
    /// Set a user's password, given with --password or read from standard input.
    SetPassword {
        /// The user's login name.
        username: String,
        /// The new password; without it, the first line of standard input.
        #[arg(long)]
        password: Option<String>,
    },
}

/// Runs `command`.
pub(crate) async fn run(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { username, password, email, firstname, lastname } => {
            check_username(&username)?;
            if !email.is_empty() && !is_clean(&email, ParamType::Email) {
                bail!("invalid e-mail address {email:?}");
            }
            if store.user_by_username(&username, MNET_LOCALHOST_ID).await?.is_some() {
                bail!("a user {username:?} already exists");
            }
            let hash = hash(&password)?;
            let user = new_local_user(&username, hash, &firstname, &lastname, &email);
            let user = match store.create_user(&user).await {
                Err(StoreError::Conflict { .. }) => bail!("a user {username:?} already exists"),
                created => created?,
            };
            println!("created user {username} (id {})", user.id);
        }
        UserCommand::SetPassword { username, password } => {
            let user = local_user(store, &username).await?;
            let password = match password {
                Some(password) => password,
                None => read_password()?,
            };
            store.update_user_password(user.id, &hash(&password)?).await?;
            // Moodle's `update_internal_user_password`: with this setting on, a new password
            // signs the user out of every web service.
            let deletes_tokens = store.get_config("passwordchangetokendeletion").await?;
            if deletes_tokens.as_deref() == Some("1") {
                let deleted = store.delete_tokens_of_user(user.id).await?;
                println!("password of {username} changed; {deleted} token(s) deleted");
            } else {
                println!("password of {username} changed");
            }
        }
    }
    Ok(())
}

fn check_username(username: &str) -> anyhow::Result<()> {
    if username.is_empty() {
        bail!("the username is empty");
    }
    if username != username.to_lowercase() {
        bail!("invalid username {username:?}: only lowercase letters are allowed");
    }
    if !is_clean(username, ParamType::Username) {
        bail!(
            "invalid username {username:?}: only letters, digits, underscore (_), hyphen (-), \
             period (.) and at sign (@) are allowed"
        );
    }
    Ok(())
}

fn hash(password: &str) -> anyhow::Result<String> {
    if password.is_empty() {
        bail!("the password is empty");
    }
    hash_new_password(password).map_err(|error| anyhow::anyhow!("{}", error.to_exception().message))
}

/// The first line of standard input, without its line ending; prompts when it is a terminal.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("New password: ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("no password given: pass --password or write it on standard input");
    }
    Ok(password.to_owned())
}
