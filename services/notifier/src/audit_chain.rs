//! The audit chain's health, for alerting: the notifier (which already keeps the audit
//! log's retention) verifies the whole chain at start and then periodically, and
//! exports the verdict as `jetcrawl_audit_chain_ok` (1 or 0) and the time of the last
//! verification as `jetcrawl_audit_chain_verified_timestamp_seconds`. A broken chain is
//! logged with the first broken row.

use std::time::Duration;

use sqlx::PgPool;
use tracing::{error, info, warn};

/// Verifies the chain now and every `every` until `shutdown` completes.
pub async fn verify_loop(pool: PgPool, every: Duration, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        verify_once(&pool).await;
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// One verification, its verdict exported; a failure to read is logged and leaves the
/// last verdict (and its timestamp, which then ages) in place.
pub async fn verify_once(pool: &PgPool) {
    let verdict = match jetcrawl_projections::audit::verify_chain(pool).await {
        Ok(verdict) => verdict,
        Err(err) => {
            warn!(error = %err, "audit chain not verified; trying again next round");
            return;
        }
    };
    metrics::gauge!("jetcrawl_audit_chain_ok").set(if verdict.ok { 1.0 } else { 0.0 });
    metrics::gauge!("jetcrawl_audit_chain_verified_timestamp_seconds")
        .set(chrono::Utc::now().timestamp() as f64);
    if verdict.ok {
        info!(
            rows = verdict.rows_checked,
            head_seq = verdict.head_seq,
            "audit chain verified"
        );
    } else {
        error!(
            first_broken_seq = ?verdict.first_broken_seq,
            reason = %verdict.reason,
            "audit chain broken: rows were changed or removed outside the platform"
        );
    }
}
