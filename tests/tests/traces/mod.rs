//! Traces over OTLP (issue 15, ADR 42): one job's spans from the gateway and the worker
//! reach a collector as one trace, joined through the `traceparent` its events carry.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use jetcrawl_proto::v1::{ExtractKind, ExtractRule, GetJobRequest, JobSpec, JobState, RenderMode};
use jetcrawl_streams::EventStore;
use jetcrawl_tests::jobs::{submit, wait_terminal};
use jetcrawl_tests::{OtlpCollector, ReceivedSpan, Stack, eventually};

const GATEWAY: &str = "jetcrawl-gateway";
const WORKER: &str = "jetcrawl-worker";

#[tokio::test]
async fn one_job_is_one_trace_from_the_gateway_submit_to_the_worker_attempt() {
    jetcrawl_tests::init_test_tracing();
    let collector = OtlpCollector::start().expect("collector stub starts");
    let stack = Stack::start().await.expect("stack starts");
    let otel = collector.env();
    let otel: Vec<(&str, &str)> = otel.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let gateway = stack.spawn_gateway_with(&otel).await.expect("gateway");
    let worker = stack.spawn_worker(&otel).await.expect("worker");
    let _projector = stack.spawn_projector().await.expect("projector");

    let jobs = gateway.jobs().await.expect("client");
    let job_id = submit(&jobs, static_page(&stack)).await.expect("submit");
    let job = wait_terminal(&jobs, &job_id, Duration::from_secs(90))
        .await
        .expect("job ends");
    assert_eq!(
        job.state,
        JobState::Succeeded as i32,
        "worker log:\n{}",
        worker.process.log()
    );

    let (submit_span, attempt) = eventually(Duration::from_secs(30), || async {
        joined_trace(&collector.traces())
    })
    .await
    .unwrap_or_else(|e| panic!("{e:#}\nreceived: {:#?}", collector.spans()));
    assert_eq!(submit_span.name, "submit_job");
    assert_eq!(attempt.name, "job");

    // The join goes through the event log: the job's events name the submit span.
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "traces-test")
        .await
        .expect("nats");
    let history = EventStore::open(js)
        .await
        .expect("store")
        .history(&job_id)
        .await
        .expect("history");
    let expected = format!("00-{}-{}-01", submit_span.trace_id, submit_span.span_id);
    for event in &history {
        assert_eq!(
            event.event.traceparent, expected,
            "{} carries the submit span's traceparent",
            event.event.event_type
        );
    }
}

#[tokio::test]
async fn a_stopping_service_sends_its_last_spans() {
    jetcrawl_tests::init_test_tracing();
    let collector = OtlpCollector::start().expect("collector stub starts");
    let stack = Stack::start().await.expect("stack starts");
    // Batches every 10 minutes: only the flush at exit can send this span in time.
    let endpoint = collector.endpoint();
    let mut gateway = stack
        .spawn_gateway_with(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
        ])
        .await
        .expect("gateway");
    let mut jobs = gateway.jobs().await.expect("client");
    let missing = jobs
        .get_job(GetJobRequest {
            job_id: "no-such-job".into(),
        })
        .await;
    assert!(missing.is_err(), "{missing:?}");
    assert!(
        collector.spans().is_empty(),
        "nothing sent before the batch is due"
    );

    let status = gateway.process.stop().await.expect("gateway exits");
    assert!(status.success(), "{status:?}\n{}", gateway.process.log());
    let spans = collector.spans();
    assert!(
        spans
            .iter()
            .any(|s| s.service == GATEWAY && s.name == "get_job"),
        "the get_job span was sent at exit: {spans:#?}\n{}",
        gateway.process.log()
    );
}

/// The one trace holding spans of both services, with its gateway submit span and the
/// worker span whose ancestry leads to it.
fn joined_trace(
    traces: &HashMap<String, Vec<ReceivedSpan>>,
) -> anyhow::Result<(ReceivedSpan, ReceivedSpan)> {
    let joined: Vec<&Vec<ReceivedSpan>> = traces
        .values()
        .filter(|spans| {
            spans.iter().any(|s| s.service == GATEWAY) && spans.iter().any(|s| s.service == WORKER)
        })
        .collect();
    let spans = match joined.as_slice() {
        [] => bail!("no trace has spans of both {GATEWAY} and {WORKER} yet"),
        [one] => *one,
        many => bail!("{} traces mix both services, one expected", many.len()),
    };
    let by_id: HashMap<&str, &ReceivedSpan> =
        spans.iter().map(|s| (s.span_id.as_str(), s)).collect();
    for attempt in spans.iter().filter(|s| s.service == WORKER) {
        // Up the parents until a gateway span; a cycle cannot be longer than the trace.
        let mut at = attempt;
        for _ in 0..spans.len() {
            let Some(parent) = at.parent_span_id.as_deref() else {
                break;
            };
            let parent = by_id
                .get(parent)
                .with_context(|| format!("parent {parent} of {} not received yet", at.name))?;
            if parent.service == GATEWAY {
                return Ok(((*parent).clone(), attempt.clone()));
            }
            at = parent;
        }
    }
    bail!("no {WORKER} span descends from a {GATEWAY} span: {spans:#?}")
}

fn static_page(stack: &Stack) -> JobSpec {
    JobSpec {
        urls: vec![stack.site.url("/static")],
        extract: vec![ExtractRule {
            name: "title".into(),
            selector: "h1".into(),
            kind: ExtractKind::Text as i32,
            ..Default::default()
        }],
        render: RenderMode::Http as i32,
        timeout_ms: 30_000,
        ..Default::default()
    }
}
