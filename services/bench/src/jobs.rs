//! The jobs, pages and events the scenarios use, built the way the gateway builds them.

use async_nats::{HeaderMap, header};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    Event, ExtractKind, ExtractRule, JobSpec, JobStarted, JobSubmitted, JobSucceeded, RenderMode,
};
use jetcrawl_streams::envelope::{envelope_headers, new_traceparent};
use jetcrawl_streams::headers::{
    EXPECTED_LAST_SUBJECT_SEQUENCE, EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT,
};
use jetcrawl_streams::new_event;
use jetcrawl_streams::subjects::job_filter;
use jetcrawl_tests::FixtureSite;

/// The tenant of every bench job (and of the bench's API key).
pub const TENANT: &str = "bench";

/// One fixture page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Absolute URL (distinct per page, so no cache helps).
    pub url: String,
    /// Rendered by JavaScript (its content exists only after a script runs).
    pub js: bool,
}

/// `n` pages alternating static and JavaScript-rendered.
pub fn fixture_pages(site: &FixtureSite, n: usize) -> Vec<Page> {
    (0..n)
        .map(|i| {
            let js = i % 2 == 1;
            let path = if js { "/js" } else { "/static" };
            Page {
                url: site.url(&format!("{path}?page={i}")),
                js,
            }
        })
        .collect()
}

/// What every job extracts: the title and the list items.
pub fn rules() -> Vec<ExtractRule> {
    vec![
        ExtractRule {
            name: "title".into(),
            selector: "#title".into(),
            kind: ExtractKind::Text as i32,
            ..Default::default()
        },
        ExtractRule {
            name: "items".into(),
            selector: "li.item".into(),
            kind: ExtractKind::Text as i32,
            many: true,
            ..Default::default()
        },
    ]
}

/// A one-page job.
pub fn spec(url: &str, mode: RenderMode) -> JobSpec {
    JobSpec {
        urls: vec![url.to_owned()],
        extract: rules(),
        render: mode as i32,
        ..Default::default()
    }
}

/// A fresh job id, as the gateway makes one without an idempotency key.
pub fn job_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `JobSubmitted` for `spec`, stamped now.
pub fn submitted(job_id: &str, spec: JobSpec) -> Event {
    let payload = Payload::JobSubmitted(JobSubmitted {
        spec: Some(spec),
        idempotency_key: String::new(),
        // The gateway's digest is 64 hex characters; the size is what matters here.
        spec_sha256: "0".repeat(64),
        ..Default::default()
    });
    new_event(job_id, TENANT, "client:bench", &new_traceparent(), payload)
}

/// `JobStarted` of attempt 1.
pub fn started(job_id: &str) -> Event {
    let payload = Payload::JobStarted(JobStarted {
        attempt: 1,
        worker_id: "bench".into(),
        ..Default::default()
    });
    new_event(job_id, TENANT, "worker:bench", &new_traceparent(), payload)
}

/// `JobSucceeded` of attempt 1.
pub fn succeeded(job_id: &str) -> Event {
    let payload = Payload::JobSucceeded(JobSucceeded {
        attempt: 1,
        result_key: format!("{job_id}/result.json"),
        result_size: 512,
        result_sha256: "0".repeat(64),
        mode_used: RenderMode::Http as i32,
        duration_ms: 12,
        ..Default::default()
    });
    new_event(job_id, TENANT, "worker:bench", &new_traceparent(), payload)
}

/// The headers the gateway's first append sends: the envelope's, the expected subject
/// sequence 0 and the message id.
pub fn submit_headers(event: &Event) -> HeaderMap {
    let mut map = envelope_headers(event);
    map.insert(
        EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT,
        job_filter(&event.job_id).as_str(),
    );
    map.insert(EXPECTED_LAST_SUBJECT_SEQUENCE, "0");
    map.insert(
        header::NATS_MESSAGE_ID,
        format!("{}.0", event.job_id).as_str(),
    );
    map
}
