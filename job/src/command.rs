//! What someone asks of a job. Every command here is one production sends; each has
//! its given/when/then tests.

use chrono::{DateTime, Utc};

use crate::journal::AgentEntry;
use jetcrawl_proto::v1::{
    CrawlPageFinished, JobAttemptFailed, JobDeferred, JobSpec, JobSucceeded, QueuedPage,
    ResultExpired, RobotsDisallowed, WebhookDelivered, WebhookFailed,
};

/// What someone asks of a job.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A client submits the job (the gateway).
    Submit {
        /// Validated spec, personal fields sealed (boxed: by far the largest command).
        spec: Box<JobSpec>,
        /// Client idempotency key, possibly empty.
        idempotency_key: String,
        /// sha256 (keyed, when sealed) of the spec's canonical encoding.
        spec_sha256: String,
        /// The data subject's key reference, empty when not sealed.
        subject_ref: String,
        /// Registrable domain of the job's first URL.
        domain: String,
    },
    /// A worker picks up the job's work message at stream sequence `work_sequence`.
    Start {
        /// Worker identity.
        worker_id: String,
        /// Attempts allowed in all (1 + retries).
        max_attempts: u32,
        /// Stream sequence of the work message being handled; refused unless it is
        /// still the job's work message (0: do not check).
        work_sequence: u64,
        /// What robots.txt and the domain's politeness said about starting now.
        admission: Admission,
        /// The egress proxy the attempt will use, for `JobStarted.proxy` (ADR 0019).
        proxy: String,
    },
    /// The running attempt produced its result.
    Succeed(JobSucceeded),
    /// The running attempt failed.
    FailAttempt {
        /// The failure; `next_attempt_at` is the caller's backoff proposal.
        failure: JobAttemptFailed,
        /// Attempts allowed in all (1 + retries).
        max_attempts: u32,
    },
    /// The worker stopped the running attempt at a step boundary after a cancel
    /// request: end the job as cancelled.
    Cancel {
        /// Why.
        reason: String,
    },
    /// A client asks to cancel: a queued job is cancelled at once, a running one gets
    /// JobCancelRequested and its worker stops at the next step boundary.
    RequestCancel {
        /// Why.
        reason: String,
        /// Who asks, e.g. `client:<tenant>`.
        by: String,
    },
    /// The job's work message ran out of deliveries (MAX_DELIVERIES advisory): fail it
    /// and put it in the dead-letter queue.
    DeadLetter {
        /// Why, e.g. `max_deliveries`.
        reason: String,
        /// Stream sequence of the exhausted work message; refused unless it is still
        /// the job's work message (0: do not check).
        work_sequence: u64,
    },
    /// An admin replays a dead-lettered job with a fresh set of attempts.
    Replay {
        /// Who replays it, e.g. `admin:<name>`.
        by: String,
        /// Why.
        reason: String,
    },
    /// The notifier delivered a terminal event's webhook.
    RecordDelivery(WebhookDelivered),
    /// A webhook delivery attempt failed (`retrying` says whether another follows).
    RecordDeliveryFailure(WebhookFailed),
    /// Retention removed the job's stored result.
    ExpireResult(ResultExpired),
    /// The running attempt of an agent job journals a turn, a step or the loop's end.
    RecordAgent(AgentEntry),
    /// A crawl's frontier grows: `pages` were found on `from_page` (empty for the start
    /// pages), in scope; `skipped_scope` links were not (ADR 0047).
    QueuePages {
        /// The page whose links these are; empty for the start pages and sitemaps.
        from_page: String,
        /// Candidate pages, each with its depth; those already queued are left out.
        pages: Vec<QueuedPage>,
        /// Links outside the scope, past the depth or excluded.
        skipped_scope: u32,
        /// The start pages' hosts (the start pages' expansion only; empty otherwise).
        start_hosts: Vec<String>,
    },
    /// One of the crawl's page jobs ended.
    FinishPage(CrawlPageFinished),
    /// The crawl's frontier is empty: end it with `JobSucceeded` (its JSONL), or as
    /// cancelled when a cancel was requested.
    EndCrawl(JobSucceeded),
}

/// What the crawl controller (robots.txt, per-domain politeness) answered for a start.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Admission {
    /// The job may start now.
    #[default]
    Ready,
    /// Not before `not_before` (a politeness wait without a reserved slot).
    Wait {
        /// When the job may start.
        not_before: DateTime<Utc>,
        /// Why, e.g. the domain's crawl-delay.
        reason: String,
    },
    /// A politeness wait with its domain and cause (and maybe a reserved slot).
    Defer(JobDeferred),
    /// robots.txt disallows one of the job's URLs.
    Refuse(RobotsDisallowed),
}
