//! `portico serve`: one node serving Moodle's web-service endpoints over HTTP until SIGTERM or
//! SIGINT.
//!
//! The endpoints, their caches and the tasks that keep those caches true through the store's
//! change feed are `portico-protocol`'s; this module binds the socket, says where the site is and
//! how to log in, and shuts down gracefully: on a signal it stops accepting connections, lets the
//! requests in flight finish, then closes the store. It must never handle a request itself.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Args;
use portico_engine::install::MOBILE_SERVICE;
use portico_engine::{Portico, Registry};
use portico_protocol::ServerConfig;
use portico_store::Store;
use tokio::net::TcpListener;

use crate::settings::{ServeArgs, ServeSettings, normalise_public_url};
use crate::site::{ADMIN_PASSWORD_VAR, ADMIN_USERNAME};

/// `portico serve`'s own options.
#[derive(Args, Debug)]
pub(crate) struct ServeCommand {
    #[command(flatten)]
    pub(crate) serve: ServeArgs,
    /// On a new (empty) database, also create a small demo site (a category, three courses, a
    /// teacher and four students, a group and a cohort) and print its logins.
    #[arg(long)]
    pub(crate) demo: bool,
}

/// `--demo` was given.
pub(crate) struct Demo {
    /// The site was set up in this run, so the demo may be created.
    pub(crate) new_site: bool,
}

/// Serves `store` with `registry`'s functions as `settings` say, until a shutdown signal.
pub(crate) async fn run(
    store: Store,
    registry: Registry,
    settings: &ServeSettings,
    demo: Option<Demo>,
) -> anyhow::Result<()> {
    portico_engine::install::sync_functions(&store, &registry)
        .await
        .context("cannot record this build's functions")?;
    let listener = TcpListener::bind(settings.listen.as_str())
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr().context("cannot read the bound address")?;
    let public_url = match &settings.public_url {
        Some(url) => url.clone(),
        None => normalise_public_url(&format!("http://{address}"))?,
    };
    let node = Portico::new(store.clone(), registry);
    let demo_logins = match demo {
        None => None,
        Some(Demo { new_site: true }) => {
            crate::demo::create(&node).await.context("cannot create the demo site")?;
            Some(crate::demo::logins())
        }
        Some(Demo { new_site: false }) if crate::demo::exists(&store).await? => {
            Some(crate::demo::logins())
        }
        Some(Demo { new_site: false }) => {
            println!(
                "--demo: the demo site is only created on an empty database; this site has no demo"
            );
            None
        }
    };
    let router = portico_protocol::router(node, ServerConfig::new(public_url.clone()));
    announce(address, &public_url);
    for line in demo_logins.iter().flatten() {
        println!("{line}");
    }
    tracing::info!(%address, %public_url, "serving");
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server failed")?;
    tracing::info!("stopped");
    store.close().await;
    println!("Portico stopped");
    Ok(())
}

/// Tells the operator where the site is and how to get a token; the first line is what scripts
/// and tests wait for.
fn announce(address: SocketAddr, public_url: &str) {
    println!("Portico listening on http://{address}");
    println!("Site address (wwwroot): {public_url}");
    println!(
        "Log in as {ADMIN_USERNAME} with the password printed when the site was set up (or \
         ${ADMIN_PASSWORD_VAR}); get a token with:"
    );
    println!(
        "  curl -s {public_url}/login/token.php -d username={ADMIN_USERNAME} \
         --data-urlencode password=PASSWORD -d service={MOBILE_SERVICE}"
    );
    println!("Stop with Ctrl-C or SIGTERM; requests in flight are finished first.");
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
