//! Log output: human-readable on a terminal, one JSON object per line elsewhere.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber for `service`. `RUST_LOG` filters (default `info`);
/// `JETCRAWL_LOG_FORMAT=json|text` overrides the terminal detection. Calling it twice
/// (several services in one process) keeps the first subscriber.
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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let installed = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    if installed.is_ok() {
        tracing::info!(service, "telemetry started");
    }
}
