//! Shared helpers of the projection tests: a throwaway Postgres and synthetic histories.

#![allow(dead_code)]

use jetcrawl_local::{Postgres, PostgresOptions};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    JobAttemptFailed, JobFailed, JobSpec, JobStarted, JobSubmitted, JobSucceeded,
};
use jetcrawl_streams::RecordedEvent;
use jetcrawl_streams::envelope::new_event;
use sqlx::PgPool;

/// A fresh Postgres with the migrations applied.
pub async fn database() -> (Postgres, PgPool) {
    let pg = Postgres::start(PostgresOptions::for_tests())
        .await
        .expect("postgres starts");
    let pool = PgPool::connect(&pg.url())
        .await
        .expect("connects to postgres");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations apply");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations are idempotent");
    (pg, pool)
}

/// Builds recorded events with consecutive stream sequences and chosen times.
pub struct History {
    /// Sequence the next pushed event gets.
    pub next_seq: u64,
    /// The events so far, in stream order.
    pub events: Vec<RecordedEvent>,
}

impl History {
    /// An empty history starting at sequence 1.
    pub fn new() -> Self {
        Self {
            next_seq: 1,
            events: Vec::new(),
        }
    }

    /// Appends an event of `job` that happened at `at_secs` (Unix seconds).
    pub fn push(&mut self, job: &str, tenant: &str, at_secs: i64, payload: Payload) -> &mut Self {
        let mut event = new_event(
            job,
            tenant,
            "test",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            payload,
        );
        event.occurred_at = Some(prost_types::Timestamp {
            seconds: at_secs,
            nanos: 0,
        });
        self.events.push(RecordedEvent {
            sequence: self.next_seq,
            event,
        });
        self.next_seq += 1;
        self
    }
}

/// A submission of one URL.
pub fn submitted(url: &str) -> Payload {
    Payload::JobSubmitted(JobSubmitted {
        spec: Some(JobSpec {
            urls: vec![url.to_owned()],
            ..Default::default()
        }),
        idempotency_key: String::new(),
        spec_sha256: "sha".into(),
        ..Default::default()
    })
}

/// An attempt starts.
pub fn started(attempt: u32) -> Payload {
    Payload::JobStarted(JobStarted {
        attempt,
        worker_id: "w1".into(),
        ..Default::default()
    })
}

/// The attempt succeeds.
pub fn succeeded(attempt: u32) -> Payload {
    Payload::JobSucceeded(JobSucceeded {
        attempt,
        result_key: "r.json".into(),
        result_size: 10,
        ..Default::default()
    })
}

/// The attempt fails.
pub fn attempt_failed(attempt: u32, retryable: bool) -> Payload {
    Payload::JobAttemptFailed(JobAttemptFailed {
        attempt,
        error_class: "http_5xx".into(),
        message: "503".into(),
        retryable,
        ..Default::default()
    })
}

/// The job fails.
pub fn failed(attempts: u32) -> Payload {
    Payload::JobFailed(JobFailed {
        attempts,
        error_class: "http_5xx".into(),
        message: "503".into(),
    })
}

/// The events as raw stream messages (encoded envelopes, stored one second after they
/// happened).
pub fn stream_messages(events: &[RecordedEvent]) -> Vec<jetcrawl_projections::StreamMessage> {
    events
        .iter()
        .map(|e| jetcrawl_projections::StreamMessage {
            sequence: e.sequence,
            subject: format!("jobs.{}.x", e.event.job_id),
            payload: jetcrawl_streams::envelope::encode(&e.event).to_vec(),
            stored_at: Some(e.occurred_at() + chrono::Duration::seconds(1)),
            job_id_header: e.event.job_id.clone(),
            tenant_header: e.event.tenant.clone(),
            envelope_header: String::new(),
        })
        .collect()
}

/// Applies `events` to `projections`, each in its own transaction.
pub async fn apply_to(
    pool: &PgPool,
    projections: &[jetcrawl_projections::Projection],
    events: &[RecordedEvent],
) {
    let messages = stream_messages(events);
    for projection in projections {
        let mut tx = pool.begin().await.expect("begin");
        projection
            .apply(&mut tx, &messages)
            .await
            .unwrap_or_else(|err| panic!("{} applies: {err}", projection.name()));
        tx.commit().await.expect("commit");
    }
}
