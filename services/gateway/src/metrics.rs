//! Names of the gateway's metrics.

/// Histogram: seconds from a submit's arrival to its answer.
pub const SUBMIT_ACK_SECONDS: &str = "jetcrawl_submit_ack_seconds";
/// Counter: submits answered, by gRPC code (`code` label).
pub const SUBMITS_TOTAL: &str = "jetcrawl_submits_total";

/// Describes the metrics once, so `/metrics` carries their help text.
pub fn describe() {
    metrics::describe_histogram!(
        SUBMIT_ACK_SECONDS,
        metrics::Unit::Seconds,
        "Time from a SubmitJob request's arrival to its answer"
    );
    metrics::describe_counter!(SUBMITS_TOTAL, "SubmitJob answers by gRPC code");
}
