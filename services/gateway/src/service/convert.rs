//! Domain job → wire job, in one place.

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1;
use jetcrawl_streams::Job;

/// The wire form of a folded job.
pub fn job_to_proto(job: &Job) -> v1::Job {
    v1::Job {
        job_id: job.id.clone(),
        tenant: job.tenant.clone(),
        state: job.status.to_proto() as i32,
        spec: job.spec.clone(),
        attempts: job.attempts,
        submitted_at: job.submitted_at.map(timestamp),
        updated_at: job.updated_at.map(timestamp),
        result: job.result.clone(),
        failure: job.failure.clone(),
        last_sequence: job.last_sequence,
        cancel_requested: job.cancel_requested.is_some(),
        dead_lettered: job.dead_lettered,
        not_before: job.not_before.map(timestamp),
        replays: job.replays,
        personal_data_erased: job.spec.as_ref().is_some_and(jetcrawl_privacy::is_erased),
        crawl: job.crawl.as_ref().map(|crawl| crawl.progress()),
    }
}

/// A protobuf timestamp.
pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}
