//! Traces over OTLP/HTTP (protobuf), off unless an endpoint is configured (ADR 42).
//!
//! The standard variables drive it: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` appended) turns it on, `OTEL_SERVICE_NAME`
//! names the service (else the binary's name), `OTEL_BSP_*` tune the batches and
//! `OTEL_EXPORTER_OTLP_HEADERS`/`_TIMEOUT` the requests. Without an endpoint nothing is
//! built and no span leaves the process.

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Key, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use thiserror::Error;
use tracing::subscriber::Interest;
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::registry::LookupSpan;

/// The variables that turn export on, the more specific first.
const ENDPOINT_VARS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

/// How long a stopping service waits for its last spans to be sent.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// The provider of this process, kept to flush it on exit.
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Why traces are not exported although an endpoint is configured.
#[derive(Debug, Error)]
pub(crate) enum OtlpError {
    /// The batch exporter runs on the caller's tokio runtime, and there was none.
    #[error("{var} is set but tracing was set up outside a tokio runtime; traces are not exported")]
    NoRuntime {
        /// The endpoint variable that was set.
        var: &'static str,
    },
    /// The exporter could not be built (e.g. a malformed endpoint URL).
    #[error("cannot export traces to the endpoint in {var}; fix it or unset it")]
    Exporter {
        /// The endpoint variable that was set.
        var: &'static str,
        /// Why.
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// The endpoint variable that is set (non-empty), if any.
pub(crate) fn configured() -> Option<(&'static str, String)> {
    ENDPOINT_VARS.iter().find_map(|var| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*var, v))
    })
}

/// The layer that exports this process's spans, when an endpoint is configured.
pub(crate) fn layer<S>() -> Result<Option<impl Layer<S>>, OtlpError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let Some((var, _)) = configured() else {
        return Ok(None);
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(OtlpError::NoRuntime { var });
    }
    // reqwest is built without a TLS provider of its own (ADR 4).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .build()
        .map_err(|source| OtlpError::Exporter { var, source })?;
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(exporter, Tokio).build())
        .with_resource(resource())
        .build();
    let layer = exporting_layer(&provider);
    // A second set-up in the same process (services sharing one) keeps the first.
    Ok(PROVIDER.set(provider).is_ok().then_some(layer))
}

/// The `tracing` layer sending the spans [`Exported`] keeps to `provider`.
pub(crate) fn exporting_layer<S>(provider: &SdkTracerProvider) -> impl Layer<S> + use<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("jetcrawl"))
        .with_filter(Exported)
}

/// Only our own units of work leave the process: spans (never log events, whose fields
/// may carry URLs or error text with personal data) at `info` or above, from Jetcrawl's
/// crates (not the libraries', nor the exporter's own HTTP calls). `RUST_LOG` narrows it
/// (a span it disables does not exist) but never widens it: a `debug` span such as the
/// worker's `page`, which names the URL, stays in.
struct Exported;

impl Exported {
    fn wants(meta: &Metadata<'_>) -> bool {
        meta.is_span() && *meta.level() <= Level::INFO && meta.target().starts_with("jetcrawl")
    }
}

impl<S> Filter<S> for Exported {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        Self::wants(meta)
    }

    /// `sometimes`, never `always`, for the spans it wants, so `enabled` runs for each.
    /// When every per-layer filter says `always`, tracing-subscriber skips `enabled` and
    /// reuses this thread's last per-layer verdicts, which a check nothing followed can
    /// leave stale. With the logs' filter per-layer too, the gateway (which queries
    /// Postgres, the worker does not) lost its submit span that way. One call per span
    /// is the price.
    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if Self::wants(meta) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }
}

/// `service.name`: `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` when they name one,
/// else the binary's name (`jetcrawl-gateway`, ...).
fn resource() -> Resource {
    let detected = Resource::builder().build();
    let named = detected
        .get(&Key::from_static_str("service.name"))
        .is_some_and(|name| !name.as_str().starts_with("unknown_service"));
    let builder = Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if named {
        builder.build()
    } else {
        builder.with_service_name(binary_name()).build()
    }
}

fn binary_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .and_then(|arg0| std::path::Path::new(arg0).file_name())
        .map_or_else(
            || "jetcrawl".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
}

/// Sends the spans still queued and stops the exporter, waiting at most 5 s; does
/// nothing when traces are not exported. Services call it as they stop (see
/// [`crate::ServiceMain`]).
pub async fn flush_traces() {
    let Some(provider) = PROVIDER.get().cloned() else {
        return;
    };
    // The SDK blocks this thread until its batch task, on this runtime, has sent.
    let shutdown = tokio::task::spawn_blocking(move || provider.shutdown());
    match tokio::time::timeout(FLUSH_TIMEOUT, shutdown).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(err))) => tracing::warn!(error = %err, "the last spans were not exported"),
        Ok(Err(err)) => tracing::warn!(error = %err, "the last spans were not exported"),
        Err(_) => tracing::warn!(
            timeout_ms = FLUSH_TIMEOUT.as_millis(),
            "the OTLP endpoint did not take the last spans in time; they are lost"
        ),
    }
}
