//! The notifier's metrics.

use crate::attempt::Outcome;

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
pub fn purged(jobs: usize, objects: usize) {
    metrics::counter!("jetcrawl_results_expired_jobs_total").increment(jobs as u64);
    metrics::counter!("jetcrawl_results_expired_objects_total").increment(objects as u64);
}
