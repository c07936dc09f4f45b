//! The load benchmark's baseline: a bare axum handler that answers every request with the same
//! bytes, read once from a file, with the REST server's JSON content type.
//!
//! Usage: `bare_server <listen address> <body file>`; prints `listening on <address>`.

use std::net::SocketAddr;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::any;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(body_file)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bare_server <listen address> <body file>");
    };
    let address: SocketAddr = address.parse()?;
    let body: &'static [u8] = Vec::leak(std::fs::read(body_file)?);
    let app = Router::new()
        .fallback(any(move || async move { ([(CONTENT_TYPE, "application/json")], body) }));
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
