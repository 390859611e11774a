//! Telemetry every Jetcrawl service shares: `tracing` set-up (JSON when not on a
//! terminal), the Prometheus recorder, the `/metrics` + `/healthz` router, and the
//! shutdown signal services run until.

mod logging;
mod metrics_http;
mod shutdown;

pub use logging::init_tracing;
pub use metrics_http::{install_metrics, router, serve};
pub use shutdown::shutdown_signal;
