//! The `portico` command: glue between the command line and the library crates.

use clap::{Parser, Subcommand};
use portico_store::Store;

/// Portico: Moodle-compatible web services.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or upgrade the database schema.
    Migrate {
        /// The database (`sqlite://path` or `postgres://...`).
        #[arg(long, env = "PORTICO_DATABASE_URL")]
        database_url: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Migrate { database_url } => {
            let store = Store::open(&database_url).await?;
            let report = store.migrate().await?;
            println!("schema at version {} ({report:?})", Store::latest_schema_version());
            store.close().await;
        }
    }
    Ok(())
}
