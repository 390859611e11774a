//! Names of the gateway's metrics (described in `jetcrawl_telemetry`'s catalogue).

/// Histogram: seconds from a submit's arrival to its answer.
pub const SUBMIT_ACK_SECONDS: &str = "jetcrawl_submit_ack_seconds";
/// Counter: submits answered, by gRPC code (`code` label).
pub const SUBMITS_TOTAL: &str = "jetcrawl_submits_total";

/// Counter: submits admitted without the queued/running caps because the job counts
/// did not come within their budget (`reason`: `timeout`, `unavailable`, `cooling`).
pub const QUOTA_FAIL_OPEN_TOTAL: &str = "jetcrawl_quota_fail_open_total";
