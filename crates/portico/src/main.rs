//! The `portico` command: glue between the command line and the library crates.
//!
//! `portico serve` runs the server; the other commands administer the site in the same
//! database, as Moodle's admin pages and `admin/cli` scripts do. Every change goes through the
//! store, whose change feed makes running servers see it within a second. This crate must never
//! hold a rule of its own about access or the wire protocol: it parses, checks input, calls the
//! libraries and prints.
//!
//! Exit statuses: 0 success, 1 any failure (with a message on standard error), 2 a command line
//! that does not parse, 3 `config get` of a setting that does not exist (as `cfg.php`).

mod config;
mod demo;
mod functions;
mod input;
mod serve;
mod service;
mod settings;
mod site;
mod token;
mod user;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use portico_store::Store;
use tracing_subscriber::EnvFilter;

use crate::config::ConfigCommand;
use crate::serve::ServeCommand;
use crate::service::ServiceCommand;
use crate::settings::DataArgs;
use crate::token::TokenCommand;
use crate::user::UserCommand;

/// Portico: Moodle-compatible web services.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    data: DataArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server: set the site up on first use, then serve Moodle's web-service endpoints.
    Serve(ServeCommand),
    #[command(flatten)]
    Admin(AdminCommand),
}

/// The commands that administer the site and exit.
#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create or upgrade the database schema (every other command also does this first).
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage external services.
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Manage web service tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The external functions this build serves.
    #[command(subcommand)]
    Functions(FunctionsCommand),
    /// Read and change site settings, under Moodle's names.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand, Debug)]
enum FunctionsCommand {
    /// List the functions: name, component, read or write, services offering them.
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server reports what it does; the other commands print their own output and log only
    // what went wrong.
    init_tracing(if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" });
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error, filtered by `RUST_LOG` (else by `default`).
fn init_tracing(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = cli.data.file()?;
    let data = cli.data.resolve(&file)?;
    let registry = site::registry();
    let command = match cli.command {
        Command::Serve(command) => {
            // Checked before the database is touched, so a bad option changes nothing.
            let settings = command.serve.resolve(data, &file)?;
            let (store, new_site) = site::open_site(&settings.data, &registry).await?;
            let demo = command.demo.then_some(serve::Demo { new_site });
            serve::run(store, registry, &settings, demo).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Admin(command) => command,
    };
    let store = site::open(&data, &registry).await?;
    let outcome = match command {
        AdminCommand::Migrate => {
            println!("schema at version {}", Store::latest_schema_version());
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::User(command) => user::run(&store, command).await.map(|()| ExitCode::SUCCESS),
        AdminCommand::Service(command) => {
            service::run(&store, &registry, command).await.map(|()| ExitCode::SUCCESS)
        }
        AdminCommand::Token(command) => {
            token::run(&store, command).await.map(|()| ExitCode::SUCCESS)
        }
        AdminCommand::Functions(FunctionsCommand::List) => {
            functions::list(&store, &registry).await.map(|()| ExitCode::SUCCESS)
        }
        AdminCommand::Config(command) => config::run(&store, command).await,
    };
    store.close().await;
    outcome
}
