//! Telemetry every Jetcrawl service shares: `tracing` set-up (JSON when not on a
//! terminal), span export over OTLP when an endpoint is configured and the W3C trace
//! context that joins a job's spans across services, the Prometheus recorder, the
//! `/metrics` + `/healthz` router, and the shutdown signal services run until, and
//! [`ServiceMain`], the body of every service's `main`.

mod catalogue;
mod logging;
mod metrics_args;
mod metrics_http;
mod otlp;
mod service_main;
mod shutdown;
mod trace_context;

pub use catalogue::described;
pub use logging::{init_tracing, init_tracing_at};
pub use metrics_args::MetricsArgs;
pub use metrics_http::{install_metrics, router, router_with_health, serve};
pub use otlp::flush_traces;
pub use service_main::{ServiceError, ServiceMain, Shutdown};
pub use shutdown::shutdown_signal;
pub use trace_context::{continue_trace, traceparent_of};
