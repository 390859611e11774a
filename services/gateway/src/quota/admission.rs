//! Admission of a submit against its tenant's quotas: rate first (cheap, in memory),
//! then the queued and running caps (from the projection, cached).

use std::time::Duration;

use sqlx::PgPool;

use super::backlog::BacklogCounter;
use super::rate::SubmitRate;
use crate::error::GatewayError;
use crate::metrics::QUOTA_FAIL_OPEN_TOTAL;

/// Per-tenant limits; 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    /// Submits per second.
    pub submits_per_sec: u32,
    /// Submits allowed at once above the rate.
    pub submit_burst: u32,
    /// Jobs waiting for a worker.
    pub max_queued: u64,
    /// Jobs running at once; past it new submits wait.
    pub max_running: u64,
    /// How long a counted backlog is reused.
    pub count_ttl: Duration,
    /// Longest wait for a count on the submit path; past it the caps fail open.
    pub count_budget: Duration,
}

/// The quotas of every tenant.
pub struct Quotas {
    limits: QuotaLimits,
    rate: SubmitRate,
    backlog: BacklogCounter,
}

impl Quotas {
    /// Quotas counting backlogs in `pool`.
    pub fn new(pool: PgPool, limits: QuotaLimits) -> Self {
        Self {
            rate: SubmitRate::new(limits.submits_per_sec, limits.submit_burst),
            backlog: BacklogCounter::new(pool, limits.count_ttl),
            limits,
        }
    }

    /// The limits.
    pub fn limits(&self) -> QuotaLimits {
        self.limits
    }

    /// `Ok` when `tenant` may submit now, else RESOURCE_EXHAUSTED with when to retry.
    pub async fn admit_submit(&self, tenant: &str) -> Result<(), GatewayError> {
        let limits = self.limits;
        if let Err(wait) = self.rate.check(tenant) {
            let retry_after = wait.max(Duration::from_millis(1));
            return Err(GatewayError::Exhausted {
                message: format!(
                    "tenant {tenant} is over its submit rate of {}/s (burst {}); retry after {} ms",
                    limits.submits_per_sec,
                    limits.submit_burst.max(limits.submits_per_sec),
                    retry_after.as_millis()
                ),
                retry_after,
            });
        }
        if limits.max_queued == 0 && limits.max_running == 0 {
            return Ok(());
        }
        let backlog = match self.backlog.backlog(tenant, limits.count_budget).await {
            Ok(backlog) => backlog,
            Err(unknown) => {
                // The read model is down or slow: submits stay available (the log is the
                // source of truth); the caps are enforced again once Postgres answers.
                metrics::counter!(QUOTA_FAIL_OPEN_TOTAL, "reason" => unknown.reason()).increment(1);
                tracing::debug!(%tenant, error = %unknown, "job counts unavailable; backlog quotas not enforced");
                return Ok(());
            }
        };
        let retry_after = limits.count_ttl.max(Duration::from_secs(1));
        let over = |what: &str, count: u64, limit: u64| GatewayError::Exhausted {
            message: format!(
                "tenant {tenant} has {count} {what} jobs, its limit is {limit}; retry after {} s, once some have finished",
                retry_after.as_secs()
            ),
            retry_after,
        };
        if limits.max_queued > 0 && backlog.queued >= limits.max_queued {
            return Err(over("queued", backlog.queued, limits.max_queued));
        }
        if limits.max_running > 0 && backlog.running >= limits.max_running {
            return Err(over("running", backlog.running, limits.max_running));
        }
        Ok(())
    }

    /// Counts a submit just accepted for `tenant`.
    pub fn accepted(&self, tenant: &str) {
        self.backlog.queued_one(tenant);
    }

    /// Periodic housekeeping: forgets idle tenants' rate buckets.
    pub fn forget_idle(&self) {
        self.rate.forget_idle();
    }
}
