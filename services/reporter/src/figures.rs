//! The figures of one report: what the JSON file holds verbatim and what the HTML file
//! shows. Counts are of events whose `occurred_at` falls in the month (UTC).

use serde::{Deserialize, Serialize};

/// Version of the JSON shape; bumped when a field changes meaning.
pub const REPORT_SCHEMA: u32 = 1;

/// How the figures are computed, written into every report.
pub const PERCENTILE_METHOD: &str = "nearest-rank (Postgres percentile_disc): the smallest \
     observed value with at least p% of the values at or below it";

/// One report: the platform report (every tenant) or one tenant's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_SCHEMA`].
    pub schema: u32,
    /// `YYYY-MM`.
    pub month: String,
    /// First instant covered (RFC 3339, UTC).
    pub period_start: String,
    /// First instant not covered.
    pub period_end: String,
    /// `all` (the platform report) or the tenant's name.
    pub scope: String,
    /// Generation number of this month's report, from 1.
    pub revision: u32,
    /// When it was generated.
    pub generated_at: String,
    /// Who asked: `system` (the schedule) or the caller's actor.
    pub generated_by: String,
    /// How the figures are computed.
    pub methods: Methods,
    /// How far the read models had got when the figures were taken.
    pub data_as_of: DataAsOf,
    /// The scope's figures: every tenant together, or the one tenant.
    pub overall: Section,
    /// Each tenant's figures, in name order (the platform report only).
    pub tenants: Vec<Section>,
    /// Retention runs in the month (platform-wide).
    pub retention: Retention,
    /// The audit chain when the report was generated (platform-wide).
    pub audit_chain: AuditChain,
    /// Figures that could not be taken, and why.
    pub notes: Vec<String>,
}

/// The definitions behind the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Methods {
    /// Percentile method.
    pub percentiles: String,
    /// What is counted in the month.
    pub counting: String,
    /// Success rate definition.
    pub success_rate: String,
    /// Job duration definition.
    pub duration: String,
    /// Webhook delivery rate definition.
    pub webhook_delivery_rate: String,
    /// What the agent figures count (absent from reports made before they existed).
    #[serde(default)]
    pub agent_usage: String,
}

impl Default for Methods {
    fn default() -> Self {
        Self {
            percentiles: PERCENTILE_METHOD.to_owned(),
            counting: "events whose occurred_at lies in [period_start, period_end), UTC".to_owned(),
            success_rate: "JobSucceeded / (JobSucceeded + JobFailed) events in the month; \
                cancelled jobs are left out"
                .to_owned(),
            duration: "from the job's JobSubmitted to each JobSucceeded or JobFailed in the \
                month (wall clock: queueing, retries and backoff included)"
                .to_owned(),
            webhook_delivery_rate: "notifications (webhook ids) delivered / notifications \
                settled (delivered, or failed with no retry left)"
                .to_owned(),
            agent_usage: "agent jobs: jobs with an AgentFinished (an agent loop that ended) \
                in the month; loops answered or failed: AgentFinished events, one per attempt; \
                model turns and tokens: AgentTurn events in the month, including those of \
                loops cut short or still running"
                .to_owned(),
        }
    }
}

/// Progress of the read models behind the figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataAsOf {
    /// Last JOBS stream sequence folded into `job_events`/`jobs`.
    pub jobs_checkpoint: i64,
}

/// The figures of one tenant, or of every tenant together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// The tenant; `None` for every tenant together.
    pub tenant: Option<String>,
    /// Job counts.
    pub jobs: JobCounts,
    /// Succeeded / (succeeded + failed); `None` when nothing finished.
    pub success_rate: Option<f64>,
    /// Submit-ACK latency of the jobs submitted in the month, in milliseconds.
    pub ack_latency_ms: Percentiles,
    /// Job duration, in milliseconds.
    pub duration_ms: Percentiles,
    /// Politeness.
    pub robots: Politeness,
    /// Webhooks.
    pub webhooks: Webhooks,
    /// What agent jobs' language models spent (absent from reports made before it was).
    #[serde(default)]
    pub agent: AgentUsage,
    /// Data-subject requests handled.
    pub subject_requests: SubjectRequests,
    /// The busiest domains by jobs submitted.
    pub top_domains: Vec<DomainFigures>,
    /// Jobs submitted per day of the month (index 0 is the 1st).
    pub daily_submitted: Vec<i64>,
}

/// Job counts of the month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    /// JobSubmitted.
    pub submitted: i64,
    /// JobSucceeded.
    pub succeeded: i64,
    /// JobFailed.
    pub failed: i64,
    /// JobCancelled.
    pub cancelled: i64,
    /// JobDeadLettered.
    pub dead_lettered: i64,
    /// JobReplayed (from the dead-letter queue).
    pub replayed: i64,
    /// Retries: JobStarted of an attempt after the first.
    pub retries: i64,
}

/// p50/p95/p99 over `count` values; `None` when there is none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// How many values.
    pub count: i64,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// Robots.txt denials and politeness deferrals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Politeness {
    /// RobotsDisallowed events.
    pub robots_denials: i64,
    /// JobDeferred events.
    pub deferrals: i64,
}

/// Webhook notifications and attempts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Webhooks {
    /// Delivery attempts (WebhookDelivered + WebhookFailed events).
    pub attempts: i64,
    /// Notifications delivered.
    pub delivered: i64,
    /// Notifications that failed with no retry left.
    pub failed: i64,
    /// delivered / (delivered + failed); `None` when none settled.
    pub delivery_rate: Option<f64>,
}

/// Agent jobs and what their language models spent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentUsage {
    /// Jobs with an AgentFinished (an agent loop that ended).
    pub jobs: i64,
    /// Agent loops that answered (AgentFinished, outcome `answered`).
    pub answered: i64,
    /// Agent loops that failed (AgentFinished, outcome `failed`).
    pub failed: i64,
    /// Model replies (AgentTurn).
    pub turns: i64,
    /// Prompt tokens of the model replies.
    pub prompt_tokens: i64,
    /// Completion tokens of the model replies.
    pub completion_tokens: i64,
}

/// Right-of-erasure and right-of-access requests handled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectRequests {
    /// SubjectErased.
    pub erasures: i64,
    /// SubjectDataExported.
    pub access_exports: i64,
    /// Each one, in the order it was fulfilled.
    #[serde(default)]
    pub handled: Vec<HandledRequest>,
}

/// One data subject's request fulfilled in the month, against the one-month deadline of
/// GDPR Art. 12(3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandledRequest {
    /// `erasure` or `access`.
    pub kind: String,
    /// The controller's reference, empty when none was given.
    pub reference: String,
    /// When it was received, when that was given.
    pub received_at: Option<String>,
    /// When it was fulfilled (the action's time).
    pub fulfilled_at: String,
    /// Whole days from receipt to fulfilment, when the receipt is known.
    pub days: Option<i64>,
    /// Fulfilled within one month of receipt; unknown without the receipt.
    pub within_deadline: Option<bool>,
}

/// One domain's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainFigures {
    /// The host.
    pub domain: String,
    /// JobSubmitted.
    pub submitted: i64,
    /// JobSucceeded.
    pub succeeded: i64,
    /// JobFailed.
    pub failed: i64,
}

/// Retention runs of the month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Retention {
    /// How many runs.
    pub runs: i64,
    /// Records removed across the runs, by kind (platform report only).
    pub removed: Vec<RemovedCount>,
    /// When the last run of the month ended.
    pub last_run_at: Option<String>,
    /// The periods in force: what the last run up to the month's end applied, by kind.
    /// Empty when no run was ever recorded.
    #[serde(default)]
    pub periods: Vec<RetentionPeriod>,
}

/// How long one kind of record is kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RetentionPeriod {
    /// What is kept, e.g. `results`, `audit_log`.
    pub kind: String,
    /// For how long, in days.
    pub days: f64,
}

/// Records of one kind a retention run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedCount {
    /// What was removed, e.g. `results`, `audit_log`.
    pub kind: String,
    /// How many.
    pub count: i64,
}

/// The audit chain's verification when the report was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChain {
    /// Every link verified.
    pub ok: bool,
    /// Rows checked.
    pub rows_checked: u64,
    /// Sequence of the head row.
    pub head_seq: i64,
    /// Hash of the head row.
    pub head_hash: String,
    /// First broken row, when not ok.
    pub first_broken_seq: Option<i64>,
    /// What is wrong, when not ok.
    pub reason: String,
}

/// `part / whole`, `None` when `whole` is 0.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
