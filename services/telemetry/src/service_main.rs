//! The body of every service's `main`: logs, metrics, then the service until SIGTERM or
//! Ctrl-C. Services that have no listener of their own serve `/metrics` and `/healthz`
//! on a metrics address; the gateway serves them on its HTTP API.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use thiserror::Error;
use tokio::net::TcpListener;

use crate::{
    flush_traces, init_tracing, install_metrics, router_with_health, serve, shutdown_signal,
};

/// The shutdown signal a service runs until.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

type Health = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Why a service could not run.
#[derive(Debug, Error)]
pub enum ServiceError<E: std::fmt::Debug + std::fmt::Display> {
    /// `/metrics` could not listen; names the address and the variable to change.
    #[error("cannot listen on {addr} for /metrics; set JETCRAWL_METRICS_ADDR")]
    Metrics {
        /// The address asked for.
        addr: SocketAddr,
        /// Why binding failed.
        #[source]
        source: std::io::Error,
    },
    /// The service itself failed (`#` keeps every cause of an anyhow error).
    #[error("{0:#}")]
    Service(E),
}

/// How one service starts: its name in logs, and where its metrics are served.
pub struct ServiceMain {
    name: &'static str,
    metrics: Option<SocketAddr>,
    health: Health,
}

impl ServiceMain {
    /// A service named `name` (the `service` field of every log line) that serves its
    /// metrics itself.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            metrics: None,
            health: Arc::new(|| Ok(())),
        }
    }

    /// Serves `/metrics` and `/healthz` on `addr` while the service runs.
    pub fn metrics_on(mut self, addr: SocketAddr) -> Self {
        self.metrics = Some(addr);
        self
    }

    /// Serves `/metrics` and `/healthz` on the configured address, else this service's
    /// default one (see [`crate::MetricsArgs`]).
    pub fn metrics(self, args: &crate::MetricsArgs) -> Self {
        let addr = args.addr_for(self.name);
        self.metrics_on(addr)
    }

    /// `/healthz` asks `check`: 200 `ok`, or 503 with the problem it names.
    pub fn health(
        mut self,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.health = Arc::new(check);
        self
    }

    /// Sets up logs, traces and metrics, then runs `run(shutdown)` to its end; the
    /// metrics listener stops after it, and the last spans are sent.
    pub async fn run<F, Fut, E>(self, run: F) -> Result<(), ServiceError<E>>
    where
        F: FnOnce(Shutdown) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Debug + std::fmt::Display,
    {
        init_tracing(self.name);
        let metrics = install_metrics();
        let Some(addr) = self.metrics else {
            let result = run(Box::pin(shutdown_signal())).await;
            flush_traces().await;
            return result.map_err(ServiceError::Service);
        };
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServiceError::Metrics { addr, source })?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut metrics_stop = stop_rx.clone();
        let health = self.health;
        let router = router_with_health(metrics, move || health());
        let server = tokio::spawn(serve(listener, router, async move {
            let _ = metrics_stop.wait_for(|stop| *stop).await;
        }));
        let result = run(Box::pin(shutdown_signal())).await;
        let _ = stop_tx.send(true);
        let _ = server.await;
        flush_traces().await;
        result.map_err(ServiceError::Service)
    }
}
