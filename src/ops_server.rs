//! `METRICS_ADDR` (SPEC §11): `GET /metrics` in the Prometheus text format and
//! `GET /healthz`, served on the bot's own runtime.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::state::App;

/// Binds `addr` and serves until the returned task is aborted; returns the address
/// bound (port 0 picks one).
pub async fn serve(
    addr: SocketAddr,
    app: Arc<App>,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let router = axum::Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(app);
    info!(%bound, "serving /metrics and /healthz");
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            warn!(%error, "the metrics server stopped");
        }
    });
    Ok((bound, task))
}

/// While the bot waits for its database at start (it has no `App` yet): `/healthz`
/// and `/metrics` answer 503 with the current reason, until the task is aborted.
pub async fn serve_waiting(
    addr: SocketAddr,
    reason: Arc<std::sync::Mutex<String>>,
) -> std::io::Result<JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let waiting = async |State(reason): State<Arc<std::sync::Mutex<String>>>| {
        let reason = crate::locks::lock(&reason).clone();
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("starting: {reason}\n"),
        )
    };
    let router = axum::Router::new()
        .route("/healthz", get(waiting))
        .route("/metrics", get(waiting))
        .with_state(reason);
    Ok(tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    }))
}

/// The content type of what `prometheus-client` writes: the OpenMetrics text format
/// (it ends with `# EOF` and types every family). Prometheus asks for it first; served
/// as the classic `text/plain; version=0.0.4` a classic parser would read every
/// counter as untyped.
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        app.metrics.render(),
    )
}

/// 200 `ok` when every shard of this process is connected and the database accepts
/// writes; otherwise 503 and one line saying what is wrong.
async fn healthz(State(app): State<Arc<App>>) -> (StatusCode, String) {
    match health(&app).await {
        Ok(()) => (StatusCode::OK, "ok\n".to_owned()),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
    }
}

async fn health(app: &App) -> Result<(), String> {
    app.gateway.connected().await?;
    app.write_probe
        .check(async || {
            app.store
                .check_writable()
                .await
                .map_err(|error| match error.fault() {
                    Some(fault) => format!("the database cannot be written: {fault}"),
                    None => format!("the database cannot be written: {error}"),
                })
        })
        .await
}

/// `GET /healthz` at `addr` over plain HTTP/1.0 (the `qotd healthcheck` client: the
/// container image has no shell or curl). `Ok` on 200; otherwise the status line and
/// body, or why no answer came, within `timeout`.
pub fn probe_health(addr: SocketAddr, timeout: std::time::Duration) -> Result<(), String> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)
        .map_err(|error| format!("nothing answers at {addr}: {error}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|error| error.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .map_err(|error| format!("cannot ask {addr}: {error}"))?;
    let mut answer = String::new();
    stream
        .take(64 * 1024)
        .read_to_string(&mut answer)
        .map_err(|error| format!("no answer from {addr}: {error}"))?;
    let status = answer.lines().next().unwrap_or_default();
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .trim();
    match status.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        _ => Err(format!("{status}: {body}")),
    }
}
