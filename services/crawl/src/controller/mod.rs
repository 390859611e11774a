//! The crawl controller: before a job starts, robots.txt for each of its URLs, then a
//! slot on each of its domains (crawl-delay, quota, concurrency, back-pressure, breaker)
//! taken by compare-and-swap in `DOMAINS`; after it ends, the slot's release and what
//! the attempt says about the site.

mod finish;
mod grant;
mod robots_check;

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::Context;
use jetcrawl_streams::crawl::bind_crawl;

pub use grant::{Admission, AttemptReport, DomainGrant, Grant, JobView};
use robots_check::DomainRobots;
pub use robots_check::PageVerdict;

use crate::config::CrawlConfig;
use crate::domain::{Ask, BreakerState, Decision, DomainKey, DomainState, DomainStore, admit};
use crate::error::CrawlError;
use crate::robots::{RobotsCache, RobotsEgress};
use crate::tenant::TenantPolicies;

/// How long a worker trusts its last read of a domain without limits (breaker, pause).
const READ_TTL: Duration = Duration::from_millis(250);
/// Short waits slept in the worker before asking again, at most.
const SHORT_WAIT_ROUNDS: usize = 4;

/// Shared by every task of a worker.
#[derive(Debug, Clone)]
pub struct Controller {
    config: Arc<CrawlConfig>,
    robots: RobotsCache,
    domains: DomainStore,
    tenants: TenantPolicies,
    _follow: Arc<AbortOnDrop>,
}

#[derive(Debug)]
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Controller {
    /// Binds to the buckets and starts following tenant policies. robots.txt goes out
    /// through `egress`, the worker's.
    pub async fn open(
        js: &Context,
        egress: Arc<dyn RobotsEgress>,
        config: CrawlConfig,
    ) -> Result<Self, CrawlError> {
        let buckets = bind_crawl(js)
            .await
            .map_err(|err| CrawlError::kv("ROBOTS/DOMAINS/TENANT_POLICY", err))?;
        let tenants = TenantPolicies::new(buckets.tenant_policy);
        let follow = tokio::spawn(tenants.clone().follow());
        Ok(Self {
            robots: RobotsCache::new(buckets.robots, egress, config.robots.clone()),
            domains: DomainStore::new(buckets.domains, READ_TTL),
            tenants,
            config: Arc::new(config),
            _follow: Arc::new(AbortOnDrop(follow)),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &CrawlConfig {
        &self.config
    }

    /// May `job` start now? On a grant the job holds its slots until [`Self::finish`].
    pub async fn admit(&self, job: &JobView<'_>) -> Result<Admission, CrawlError> {
        let domains = match self.check_robots(job, now_ms()).await? {
            Ok(domains) => domains,
            Err(answer) => {
                record_answer(&answer);
                return Ok(answer);
            }
        };
        let mut grant = Grant::default();
        for (domain, robots) in domains {
            match self.admit_domain(job, &domain, robots).await {
                Ok(Ok(part)) => grant.domains.push(part),
                Ok(Err(wait)) => {
                    self.release(job.job_id, &grant).await;
                    record_answer(&wait);
                    return Ok(wait);
                }
                Err(err) => {
                    self.release(job.job_id, &grant).await;
                    return Err(err);
                }
            }
        }
        for part in &grant.domains {
            let domain = self.config.metric_label(&part.domain);
            metrics::counter!("jetcrawl_domain_requests_total", "domain" => domain)
                .increment(u64::from(part.requests));
        }
        Ok(Admission::Granted(grant))
    }

    /// One domain: sleeps through short waits, answers long ones.
    async fn admit_domain(
        &self,
        job: &JobView<'_>,
        domain: &DomainKey,
        robots: DomainRobots,
    ) -> Result<Result<DomainGrant, Admission>, CrawlError> {
        let limits = self.config.limits(domain);
        let (interval, requested) = self.config.interval(&limits, robots.crawl_delay);
        let margin = ms(self.config.margin);
        let interval_ms = if interval.is_zero() {
            0
        } else {
            ms(interval) + margin
        };
        let mut reserved = job
            .reserved
            .as_ref()
            .filter(|(d, _)| d == domain)
            .map(|(_, slot)| *slot);
        let free =
            interval_ms == 0 && limits.requests_per_window == 0 && limits.max_concurrency == 0;
        let mut last_cause = crate::domain::Cause::Concurrency;
        for _ in 0..SHORT_WAIT_ROUNDS {
            let now = now_ms();
            let ask = Ask {
                job_id: job.job_id,
                now_ms: now,
                interval_ms,
                quota: limits.requests_per_window,
                window_ms: ms(self.config.quota_window) + margin,
                concurrency: limits.max_concurrency,
                lease_until_ms: now + ms(job.lease_for),
                reserved_slot_ms: reserved,
                not_before_ms: if interval_ms > 0 {
                    robots.fetched_ms + interval_ms
                } else {
                    0
                },
                recheck_ms: ms(self.config.recheck),
            };
            let decision = if free {
                self.admit_free(domain, &ask).await?
            } else {
                self.admit_shared(domain, &ask).await?
            };
            let (until_ms, cause, holds) = match decision {
                Decision::Grant { leased, probe } => {
                    return Ok(Ok(DomainGrant {
                        domain: domain.clone(),
                        requests: robots.requests,
                        interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
                        crawl_delay_requested_ms: requested
                            .map(|r| u64::try_from(r.as_millis()).unwrap_or(u64::MAX)),
                        leased,
                        probe,
                        not_before_ms: ask.not_before_ms,
                    }));
                }
                Decision::Wait {
                    until_ms,
                    cause,
                    reserved,
                } => (until_ms, cause, reserved),
            };
            last_cause = cause;
            if holds && reserved.is_none() {
                reserved = Some(until_ms);
            }
            let wait = until_ms - now;
            if wait > ms(self.config.short_wait) {
                return Ok(Err(Admission::Wait {
                    until_ms,
                    cause,
                    reason: reason(domain, cause, wait),
                    domain: domain.clone(),
                    reserved: holds,
                }));
            }
            tokio::time::sleep(Duration::from_millis(
                u64::try_from(wait.max(1)).unwrap_or(1),
            ))
            .await;
        }
        Ok(Err(Admission::Wait {
            until_ms: now_ms() + ms(self.config.recheck),
            cause: last_cause,
            reason: reason(domain, last_cause, ms(self.config.recheck)),
            domain: domain.clone(),
            reserved: false,
        }))
    }

    /// A domain without limits: only the breaker and a Retry-After can hold a job, so a
    /// recent read decides without a write unless the breaker is not closed.
    async fn admit_free(&self, domain: &DomainKey, ask: &Ask<'_>) -> Result<Decision, CrawlError> {
        let state = self.domains.read(domain).await?;
        if state.breaker_at(ask.now_ms) == BreakerState::Closed
            && state.paused_until_ms <= ask.now_ms
        {
            return Ok(Decision::Grant {
                leased: false,
                probe: false,
            });
        }
        self.admit_shared(domain, ask).await
    }

    async fn admit_shared(
        &self,
        domain: &DomainKey,
        ask: &Ask<'_>,
    ) -> Result<Decision, CrawlError> {
        let (decision, state) = self
            .domains
            .update(domain, ask.now_ms, |state| admit(state, ask))
            .await?;
        self.breaker_gauge(domain, &state, ask.now_ms);
        Ok(decision)
    }
}

fn reason(domain: &DomainKey, cause: crate::domain::Cause, wait_ms: i64) -> String {
    use crate::domain::Cause::*;
    let what = match cause {
        CrawlDelay => "the crawl-delay",
        Quota => "the requests-per-window quota",
        Concurrency => "the concurrency cap",
        Breaker => "the circuit breaker (the site kept failing)",
        RetryAfter => "the site's Retry-After",
        RobotsUnreachable => "an unreachable robots.txt",
    };
    format!("{what} of {domain}: waiting {wait_ms} ms")
}

fn record_answer(answer: &Admission) {
    if let Admission::Wait { cause, .. } = answer {
        metrics::counter!("jetcrawl_politeness_deferrals_total", "cause" => cause.as_str())
            .increment(1);
    }
}

impl Controller {
    /// Sets a named domain's breaker gauge. The others share no series: one gauge
    /// written by many domains would only show the last one's state.
    pub(crate) fn breaker_gauge(&self, domain: &DomainKey, state: &DomainState, now_ms: i64) {
        let label = self.config.metric_label(domain);
        if label != crate::config::OTHER_DOMAINS {
            metrics::gauge!("jetcrawl_domain_breaker_state", "domain" => label)
                .set(state.breaker_at(now_ms).gauge());
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(crate) fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
