//! Every metric the platform records, with its help text, described once per process so
//! `/metrics` carries a `# HELP` line for each; plus `jetcrawl_build_info` and the
//! process's own metrics (CPU, memory, file descriptors, threads).

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// Counters: name and help.
const COUNTERS: &[(&str, &str)] = &[
    ("jetcrawl_submits_total", "SubmitJob answers, by gRPC code"),
    (
        "jetcrawl_quota_fail_open_total",
        "Submits admitted without the backlog caps because the job counts did not come in time, by reason",
    ),
    (
        "jetcrawl_result_downloads_total",
        "Signed result and report downloads, by outcome",
    ),
    (
        "jetcrawl_jobs_total",
        "Work messages a worker handled, by outcome",
    ),
    (
        "jetcrawl_pages_total",
        "Pages a worker fetched, by render mode and status or error class",
    ),
    (
        "jetcrawl_egress_requests_total",
        "Outgoing requests, by egress route (direct or proxy)",
    ),
    (
        "jetcrawl_egress_refused_total",
        "Outgoing requests the egress policy refused, by path",
    ),
    (
        "jetcrawl_egress_proxy_retired_total",
        "Egress proxies taken out of rotation, by proxy and reason",
    ),
    (
        "jetcrawl_browser_tabs_opened_total",
        "Browser tabs opened (a tab handed back and reused is not counted again): tab churn",
    ),
    (
        "jetcrawl_subject_key_missing_total",
        "Jobs whose data subject's key was gone (erased) when a worker began them",
    ),
    (
        "jetcrawl_robots_cache_total",
        "robots.txt look-ups, by where the answer came from (memory, kv, fetch)",
    ),
    (
        "jetcrawl_robots_fetches_total",
        "robots.txt fetches, by outcome",
    ),
    (
        "jetcrawl_robots_denials_total",
        "Jobs refused by robots.txt, by named domain (JETCRAWL_METRICS_DOMAINS) or other",
    ),
    (
        "jetcrawl_domain_requests_total",
        "Requests admitted by the per-domain politeness controller, by named domain or other",
    ),
    (
        "jetcrawl_politeness_deferrals_total",
        "Jobs deferred by a politeness wait, by cause",
    ),
    (
        "jetcrawl_domain_cas_conflicts_total",
        "Compare-and-set conflicts on the shared per-domain state",
    ),
    (
        "jetcrawl_webhook_attempts_total",
        "Webhook delivery attempts, by outcome",
    ),
    (
        "jetcrawl_results_expired_jobs_total",
        "Jobs whose results retention removed",
    ),
    (
        "jetcrawl_results_expired_objects_total",
        "Result objects retention removed",
    ),
    (
        "jetcrawl_projector_events_total",
        "Events a projector applied, by projection and event type",
    ),
    (
        "jetcrawl_projector_rewound_total",
        "Batches refused because the read model's checkpoint was behind what was applied; the projection re-projects from it",
    ),
];

/// Gauges: name and help.
const GAUGES: &[(&str, &str)] = &[
    (
        "jetcrawl_projector_lag_seconds",
        "Age of the newest event a projector applied, when applied",
    ),
    (
        "jetcrawl_audit_chain_ok",
        "1 when the last verification of the whole audit chain found it intact, 0 when broken",
    ),
    (
        "jetcrawl_audit_chain_verified_timestamp_seconds",
        "When the audit chain was last verified (Unix seconds)",
    ),
    (
        "jetcrawl_retention_last_success_timestamp_seconds",
        "When the last retention run without error ended (Unix seconds)",
    ),
    (
        "jetcrawl_consumer_pending",
        "Messages a durable consumer has not delivered yet, by consumer",
    ),
    (
        "jetcrawl_browser_tabs_busy",
        "Browser tabs leased to a page now",
    ),
    (
        "jetcrawl_domain_breaker_state",
        "Circuit breaker of each named domain: 0 closed, 1 half-open, 2 open",
    ),
    (
        "jetcrawl_projector_checkpoint",
        "Last stream sequence a projection committed",
    ),
    (
        "jetcrawl_projector_leader",
        "1 while this projector holds the leader lock, 0 while it stands by",
    ),
    (
        "jetcrawl_projector_stream_behind",
        "1 while a projection is halted because its stream is not the one its checkpoint counts in",
    ),
    (
        "jetcrawl_projector_checkpoint_sequence",
        "A projection's checkpoint when the stream was last checked against it",
    ),
    (
        "jetcrawl_projector_stream_last_sequence",
        "The stream's last sequence when it was last checked against the checkpoint",
    ),
    (
        "jetcrawl_build_info",
        "Always 1; the version label says which build runs",
    ),
];

/// Histograms in seconds: name and help.
const HISTOGRAMS: &[(&str, &str)] = &[
    (
        "jetcrawl_submit_ack_seconds",
        "Time from a SubmitJob request's arrival to its answer",
    ),
    (
        "jetcrawl_job_duration_seconds",
        "Time a job attempt took, by render mode",
    ),
    (
        "jetcrawl_gate_seconds",
        "Time the crawl controller took to admit or defer a job",
    ),
    (
        "jetcrawl_worker_phase_seconds",
        "Time a worker spent in each phase of handling a message",
    ),
    (
        "jetcrawl_projector_batch_seconds",
        "Wall time of one projector batch: decode, transaction, commit and ack",
    ),
];

/// Describes every metric and sets `jetcrawl_build_info`.
pub(crate) fn describe_all() {
    for (name, help) in COUNTERS {
        describe_counter!(*name, *help);
    }
    for (name, help) in GAUGES {
        describe_gauge!(*name, *help);
    }
    for (name, help) in HISTOGRAMS {
        describe_histogram!(*name, Unit::Seconds, *help);
    }
    metrics::gauge!("jetcrawl_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

/// Every metric name the catalogue describes.
pub fn described() -> impl Iterator<Item = &'static str> {
    COUNTERS
        .iter()
        .chain(GAUGES)
        .chain(HISTOGRAMS)
        .map(|(name, _)| *name)
}
