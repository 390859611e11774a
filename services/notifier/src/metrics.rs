//! The notifier's metrics.

use crate::attempt::Outcome;
use crate::purge::PurgeReport;

/// Counts one delivery attempt by outcome.
pub fn attempt(outcome: &Outcome) {
    let label = match outcome {
        Outcome::Delivered { .. } => "delivered",
        Outcome::Retry { .. } => "retry",
        Outcome::Permanent { .. } => "failed",
        Outcome::Gone => "gone",
    };
    metrics::counter!("jetcrawl_webhook_attempts_total", "outcome" => label).increment(1);
}

/// Counts what a purge run removed.
pub fn purged(report: PurgeReport) {
    metrics::counter!("jetcrawl_results_expired_jobs_total").increment(report.jobs as u64);
    metrics::counter!("jetcrawl_results_expired_objects_total").increment(report.objects as u64);
}
