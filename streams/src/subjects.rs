//! Subject scheme of the `JOBS` stream: `jobs.<job_id>.<event>`.

use crate::envelope::EventKind;

/// Name of the event-log stream.
pub const JOBS_STREAM: &str = "JOBS";
/// Every subject the `JOBS` stream captures.
pub const JOBS_ALL: &str = "jobs.>";

/// Subject one event of one job is published on.
pub fn event_subject(job_id: &str, kind: EventKind) -> String {
    format!("jobs.{job_id}.{}", kind.token())
}

/// Filter matching every event of one job, also used as the
/// `Nats-Expected-Last-Subject-Sequence-Subject` of per-job appends.
pub fn job_filter(job_id: &str) -> String {
    format!("jobs.{job_id}.>")
}

/// Filter matching one event kind across all jobs, e.g. `jobs.*.submitted`.
pub fn kind_filter(kind: EventKind) -> String {
    format!("jobs.*.{}", kind.token())
}

/// Core-NATS subject a running attempt's progress (`JobProgress`) is published on. No
/// stream captures it: progress is not an event, only a hint for live watchers.
pub fn progress_subject(job_id: &str) -> String {
    format!("jetcrawl.progress.{job_id}")
}

/// Name of the stream capturing JetStream advisories durably.
pub const ADVISORIES_STREAM: &str = "ADVISORIES";

/// The advisory JetStream publishes (as a plain core message) when a message of the
/// `consumer` on `stream` runs out of deliveries.
pub fn max_deliveries_advisory(stream: &str, consumer: &str) -> String {
    format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}")
}

/// The job id of an event subject, if the subject is one.
pub fn job_id_of(subject: &str) -> Option<&str> {
    let mut parts = subject.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("jobs"), Some(id), Some(_), None) if !id.is_empty() => Some(id),
        _ => None,
    }
}

/// True when `id` can be one token of a subject: no dots, wildcards or whitespace.
pub fn is_valid_token(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_round_trip_the_job_id() {
        let subject = event_subject("0193-abc", EventKind::Submitted);
        assert_eq!(subject, "jobs.0193-abc.submitted");
        assert_eq!(job_id_of(&subject), Some("0193-abc"));
        assert_eq!(job_id_of("jobs.x"), None);
        assert_eq!(job_id_of("other.x.submitted"), None);
    }

    #[test]
    fn tokens_reject_subject_syntax() {
        assert!(is_valid_token("0193a-b_c"));
        for bad in ["", "a.b", "a*", "a>", "a b"] {
            assert!(!is_valid_token(bad), "{bad:?} must be refused");
        }
    }
}
