//! W3C trace context across the event log (ADR 42): the gateway records the
//! `traceparent` of its exported submit span in the job's events, and a worker handling
//! a message of that job continues the trace from the message's `traceparent` header.
//! When traces are not exported both are no-ops.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

const TRACEPARENT: &str = "traceparent";

/// The `traceparent` naming `span` as exported over OTLP, or `None` when traces are not
/// exported (the caller then makes one up, as before export existed).
pub fn traceparent_of(span: &Span) -> Option<String> {
    let context = span.context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Makes `span` a child of the span `traceparent` names, so it joins that trace. Call it
/// before `span` is first entered; a malformed `traceparent`, or traces not exported,
/// leave `span` as it is.
pub fn continue_trace(span: &Span, traceparent: &str) {
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let parent = TraceContextPropagator::new().extract(&carrier);
    if parent.span().span_context().is_valid() {
        // Err only when the span is not exported (no layer, or filtered out).
        let _ = span.set_parent(parent);
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::SpanId;
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
    use tracing::{debug_span, info_span};
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;
    use crate::otlp::exporting_layer;

    /// Runs `body` with spans exported to memory and returns what was exported.
    fn exported(body: impl FnOnce()) -> Vec<SpanData> {
        let memory = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(memory.clone())
            .build();
        let subscriber = tracing_subscriber::registry().with(exporting_layer(&provider));
        tracing::subscriber::with_default(subscriber, body);
        memory.get_finished_spans().expect("finished spans")
    }

    fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
        spans
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no span {name} in {spans:?}"))
    }

    #[test]
    fn a_span_continued_from_a_traceparent_is_a_child_in_the_same_trace() {
        let spans = exported(|| {
            let submit = info_span!("submit_job");
            let traceparent = submit
                .in_scope(|| traceparent_of(&Span::current()))
                .expect("an exported span has a traceparent");
            drop(submit);
            // Another process: a fresh root span told where it comes from.
            let job = info_span!(parent: None, "job");
            continue_trace(&job, &traceparent);
            job.in_scope(|| {
                tracing::info!(url = "https://example.com/", "fetched");
                debug_span!("page", url = "https://example.com/").in_scope(|| {});
            });
            info_span!(target: "hyper::client", "connect").in_scope(|| {});
        });
        let (submit, job) = (named(&spans, "submit_job"), named(&spans, "job"));
        assert_eq!(job.span_context.trace_id(), submit.span_context.trace_id());
        assert_eq!(job.parent_span_id, submit.span_context.span_id());
        assert_eq!(submit.parent_span_id, SpanId::INVALID, "submit is the root");
        assert_eq!(
            spans.len(),
            2,
            "debug spans and libraries' spans stay in: {spans:?}"
        );
        assert!(
            job.events.is_empty(),
            "log events stay in: {:?}",
            job.events
        );
    }

    #[test]
    fn without_export_there_is_no_traceparent_and_continuing_does_nothing() {
        let span = info_span!("submit_job");
        assert_eq!(traceparent_of(&span), None);
        continue_trace(
            &span,
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        );
        let spans = exported(|| {
            let job = info_span!("job");
            continue_trace(&job, "not a traceparent");
            job.in_scope(|| {});
        });
        assert_eq!(named(&spans, "job").parent_span_id, SpanId::INVALID);
    }
}
