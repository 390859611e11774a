//! The body of a background service's `main`: logs, metrics on their own listener, then
//! the service until SIGTERM or Ctrl-C.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::{init_tracing, install_metrics, router, serve, shutdown_signal};

/// Why a service could not run.
#[derive(Debug)]
pub enum ServiceError<E> {
    /// `/metrics` could not listen; names the address and the variable to change.
    Metrics(String),
    /// The service itself failed.
    Service(E),
}

impl<E: std::fmt::Display> std::fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Metrics(message) => f.write_str(message),
            // `#` keeps every cause of an anyhow error.
            Self::Service(err) => write!(f, "{err:#}"),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for ServiceError<E> {}

/// Sets up tracing for `service`, serves `/metrics` and `/healthz` on `metrics_addr`,
/// and runs `run(shutdown)` to its end; the metrics listener stops after it.
pub async fn run_service<F, Fut, E>(
    service: &str,
    metrics_addr: SocketAddr,
    run: F,
) -> Result<(), ServiceError<E>>
where
    F: FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    init_tracing(service);
    let metrics = install_metrics();
    let listener = TcpListener::bind(metrics_addr).await.map_err(|err| {
        ServiceError::Metrics(format!(
            "cannot listen on {metrics_addr} for /metrics ({err}); set JETCRAWL_METRICS_ADDR"
        ))
    })?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut metrics_stop = stop_rx.clone();
    let server = tokio::spawn(serve(listener, router(metrics), async move {
        let _ = metrics_stop.wait_for(|stop| *stop).await;
    }));
    let result = run(Box::pin(shutdown_signal())).await;
    let _ = stop_tx.send(true);
    let _ = server.await;
    result.map_err(ServiceError::Service)
}
