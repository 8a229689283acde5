//! `METRICS_ADDR` (SPEC §11): `GET /metrics` in the Prometheus text format and
//! `GET /healthz`, served on the bot's own runtime.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::task::JoinHandle;
use tokio::time::Instant;
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

/// How long one answer of the database check stands: probes within it share it.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The database check of `/healthz`, made at most once per [`PROBE_EVERY`] whatever
/// the probe rate (the endpoint is unauthenticated): probes that come meanwhile, or
/// while a check runs, get its answer.
#[derive(Debug, Default)]
pub struct WriteProbe {
    last: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

impl WriteProbe {
    /// The last answer if it is fresh, else `probe`'s.
    pub async fn check(
        &self,
        probe: impl AsyncFnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref()
            && at.elapsed() < PROBE_EVERY
        {
            return answer.clone();
        }
        let answer = probe().await;
        *last = Some((Instant::now(), answer.clone()));
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn the_database_is_checked_at_most_once_a_second_whatever_the_probe_rate() {
        let probe = WriteProbe::default();
        let checks = AtomicUsize::new(0);
        let check = async || {
            checks.fetch_add(1, Ordering::Relaxed);
            Ok(())
        };
        // 100 probes a second for three seconds.
        for _ in 0..300 {
            assert_eq!(probe.check(check).await, Ok(()));
            tokio::time::advance(Duration::from_millis(10)).await;
        }
        assert_eq!(checks.load(Ordering::Relaxed), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_is_shared_too_and_a_later_probe_sees_the_recovery() {
        let probe = WriteProbe::default();
        let down = async || Err("the disk is full".to_owned());
        assert_eq!(probe.check(down).await, Err("the disk is full".into()));
        assert_eq!(
            probe.check(async || Ok(())).await,
            Err("the disk is full".into()),
            "within the second"
        );
        tokio::time::advance(PROBE_EVERY).await;
        assert_eq!(probe.check(async || Ok(())).await, Ok(()));
    }
}
