//! NATS header names. The envelope's routing fields are mirrored here so tools, filters
//! and traces need not decode payloads.

/// Which envelope the payload is: `audit-action/v1` on audit actions published since
/// ADR 34 (`crate::audit::ENVELOPE`); absent on job events and older audit actions.
pub const ENVELOPE: &str = "Jetcrawl-Envelope";
/// Stable event type name, e.g. `JobSubmitted` (or the audit action's, e.g. `SubjectErased`).
pub const EVENT_TYPE: &str = "Jetcrawl-Event-Type";
/// Payload schema version.
pub const SCHEMA_VERSION: &str = "Jetcrawl-Schema-Version";
/// The job the event belongs to.
pub const JOB_ID: &str = "Jetcrawl-Job-Id";
/// The tenant owning the job.
pub const TENANT: &str = "Jetcrawl-Tenant";
/// W3C trace context.
pub const TRACEPARENT: &str = "traceparent";
/// Optimistic concurrency: the subject filter the expected sequence applies to.
/// async-nats has no builder for it (needs nats-server 2.11+), so it is sent raw.
pub const EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT: &str =
    "Nats-Expected-Last-Subject-Sequence-Subject";
/// Optimistic concurrency: the last stream sequence expected on that filter.
pub const EXPECTED_LAST_SUBJECT_SEQUENCE: &str = "Nats-Expected-Last-Subject-Sequence";
