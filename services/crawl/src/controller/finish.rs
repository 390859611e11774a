//! After a job: release its leases and probe, and tell the domain what the attempt said
//! about the site (Retry-After, breaker failures or recovery).

use super::grant::{AttemptReport, Grant};
use super::{Controller, ms, now_ms};
use crate::domain::{BreakerState, DomainKey, Finish, Health, confirm, finish};
use crate::error::CrawlError;

impl Controller {
    /// Records the end of a granted job on each of its domains. Writes only when there is
    /// something to change: a lease, a probe, a Retry-After, a failure, or a success on a
    /// domain that had failures.
    pub async fn finish(
        &self,
        job_id: &str,
        grant: &Grant,
        report: &AttemptReport,
    ) -> Result<(), CrawlError> {
        let mut first_error = None;
        for part in &grant.domains {
            let holds = part.leased || part.probe;
            if let Err(err) = self
                .finish_domain(job_id, &part.domain, holds, report)
                .await
            {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Releases the slots of a job that will not run after all.
    pub(super) async fn release(&self, job_id: &str, grant: &Grant) {
        let report = AttemptReport {
            health: Health::Unknown,
            retry_after: None,
        };
        if let Err(err) = self.finish(job_id, grant, &report).await {
            tracing::warn!(error = %err, "politeness slots not released; their leases lapse on their own");
        }
    }

    async fn finish_domain(
        &self,
        job_id: &str,
        domain: &DomainKey,
        holds: bool,
        report: &AttemptReport,
    ) -> Result<(), CrawlError> {
        let now = now_ms();
        let retry_after_ms = report
            .retry_after
            .map(|r| ms(r.min(self.config.retry_after_cap)));
        if !holds && retry_after_ms.is_none() && report.health != Health::Failing {
            let seen = self.domains.read(domain).await?;
            let troubled = seen.breaker.failures > 0 || seen.breaker.state != BreakerState::Closed;
            if report.health == Health::Unknown || !troubled {
                return Ok(());
            }
        }
        let done = Finish {
            job_id,
            now_ms: now,
            health: report.health,
            retry_after_ms,
            breaker_failures: self.config.breaker.failures,
            cooldown_ms: ms(self.config.breaker.cooldown),
        };
        let ((), state) = self
            .domains
            .update(domain, now, |state| finish(state, &done))
            .await?;
        self.breaker_gauge(domain, &state, now);
        Ok(())
    }
}

impl Controller {
    /// Called just before a granted job sends its requests: on a paced domain, waits
    /// until the interval since the domain's latest request has passed and records this
    /// one, so the lag between admission and request never shortens a gap.
    pub async fn confirm(&self, grant: &Grant) -> Result<(), CrawlError> {
        let margin = ms(self.config.margin);
        for part in grant.domains.iter().filter(|p| p.interval_ms > 0) {
            let interval = i64::try_from(part.interval_ms).unwrap_or(i64::MAX) + margin;
            loop {
                let now = now_ms();
                let (wait, _) = self
                    .domains
                    .update(&part.domain, now, |state| {
                        confirm(state, now, interval, part.not_before_ms)
                    })
                    .await?;
                let Some(until) = wait else { break };
                let pause = u64::try_from((until - now).max(1)).unwrap_or(1);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
        }
        Ok(())
    }
}
