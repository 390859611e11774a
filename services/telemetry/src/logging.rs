//! Log output: human-readable on a terminal, one JSON object per line elsewhere; and
//! span export over OTLP when an endpoint is configured (see `otlp`).

use std::io::IsTerminal;

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

/// Installs the global subscriber for `service`. `RUST_LOG` filters the logs and spans
/// (default `info`); `JETCRAWL_LOG_FORMAT=json|text` overrides the terminal detection;
/// `OTEL_EXPORTER_OTLP_ENDPOINT` turns span export on (ADR 42; [`crate::flush_traces`]
/// sends the last ones). Calling it twice (several services in one process) keeps the
/// first subscriber.
pub fn init_tracing(service: &str) {
    init_tracing_at(service, "info");
}

/// [`init_tracing`] with `default` as the filter when `RUST_LOG` is not set (for
/// example `warn` for a command-line tool that runs services in-process).
pub fn init_tracing_at(service: &str, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = match std::env::var("JETCRAWL_LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") => false,
        _ => !std::io::stdout().is_terminal(),
    };
    let logs = tracing_subscriber::fmt::layer().with_target(true);
    let logs = if json {
        logs.json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed()
    } else {
        logs.boxed()
    };
    let (export, problem) = match crate::otlp::layer() {
        Ok(layer) => (layer, None),
        Err(problem) => (None, Some(problem)),
    };
    let exporting = export.is_some();
    // `RUST_LOG` bounds the spans that exist, so the exported ones too (ADR 42).
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(export)
        .try_init();
    if installed.is_err() {
        return;
    }
    tracing::info!(service, "telemetry started");
    if let Some(problem) = problem {
        tracing::warn!(error = %problem, "traces are not exported");
    } else if exporting && let Some((var, endpoint)) = crate::otlp::configured() {
        tracing::info!(%endpoint, from = var, "exporting traces over OTLP/HTTP");
    }
}
