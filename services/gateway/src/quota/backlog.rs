//! Queued and running jobs per tenant, counted from the Postgres `jobs` projection and
//! cached briefly. The projection lags the stream, so every submit this gateway accepts
//! is added to the cached count at once; submits through other gateways are seen when
//! the cache refreshes (see ADR "tenant quotas").

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::PgPool;

/// A tenant's open jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Jobs waiting for a worker.
    pub queued: u64,
    /// Jobs a worker is running.
    pub running: u64,
}

/// Cached per-tenant counts.
pub struct BacklogCounter {
    pool: PgPool,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Instant, Backlog)>>,
    /// After a count failed, no count is tried before this instant: a Postgres outage
    /// costs one budget per `ttl`, not one per submit.
    cooling_until: Mutex<Option<Instant>>,
}

/// Why a count is not known.
#[derive(Debug, thiserror::Error)]
pub enum CountUnknown {
    /// Postgres did not answer within the budget.
    #[error("the job count did not come within {0:?}")]
    Timeout(Duration),
    /// Postgres refused or is unreachable.
    #[error("the job count failed: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A recent count failed; not retried yet.
    #[error("a recent job count failed; counts are retried after a pause")]
    Cooling,
}

impl CountUnknown {
    /// The metric label.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Timeout(_) => "timeout",
            Self::Unavailable(_) => "unavailable",
            Self::Cooling => "cooling",
        }
    }
}

const COUNT_SQL: &str = "SELECT \
     COUNT(*) FILTER (WHERE status = 'queued') AS queued, \
     COUNT(*) FILTER (WHERE status = 'running') AS running \
     FROM jobs WHERE tenant = $1 AND status IN ('queued', 'running')";

impl BacklogCounter {
    /// Counts from `pool`, each count reused for `ttl`.
    pub fn new(pool: PgPool, ttl: Duration) -> Self {
        Self {
            pool,
            ttl,
            cache: Mutex::new(HashMap::new()),
            cooling_until: Mutex::new(None),
        }
    }

    /// The tenant's backlog, from the cache when fresh, else counted within `budget`.
    pub async fn backlog(&self, tenant: &str, budget: Duration) -> Result<Backlog, CountUnknown> {
        if let Some(cached) = self.cached(tenant) {
            return Ok(cached);
        }
        if self.cooling() {
            return Err(CountUnknown::Cooling);
        }
        let count = sqlx::query_as(COUNT_SQL).bind(tenant).fetch_one(&self.pool);
        let (queued, running): (i64, i64) = match tokio::time::timeout(budget, count).await {
            Ok(Ok(counts)) => counts,
            Ok(Err(err)) => return Err(self.failed(CountUnknown::Unavailable(err))),
            Err(_) => return Err(self.failed(CountUnknown::Timeout(budget))),
        };
        let backlog = Backlog {
            queued: u64::try_from(queued).unwrap_or_default(),
            running: u64::try_from(running).unwrap_or_default(),
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(tenant.to_owned(), (Instant::now(), backlog));
        }
        Ok(backlog)
    }

    fn cooling(&self) -> bool {
        self.cooling_until
            .lock()
            .ok()
            .and_then(|until| *until)
            .is_some_and(|until| Instant::now() < until)
    }

    fn failed(&self, why: CountUnknown) -> CountUnknown {
        if let Ok(mut until) = self.cooling_until.lock() {
            *until = Some(Instant::now() + self.ttl.max(Duration::from_secs(1)));
        }
        tracing::warn!(error = %why, "job counts unavailable; backlog quotas fail open until Postgres answers");
        why
    }

    /// Counts a job this gateway just queued for `tenant`.
    pub fn queued_one(&self, tenant: &str) {
        if let Ok(mut cache) = self.cache.lock()
            && let Some((_, backlog)) = cache.get_mut(tenant)
        {
            backlog.queued += 1;
        }
    }

    fn cached(&self, tenant: &str) -> Option<Backlog> {
        let mut cache = self.cache.lock().ok()?;
        match cache.get(tenant) {
            Some((at, backlog)) if at.elapsed() < self.ttl => Some(*backlog),
            Some(_) => {
                cache.remove(tenant);
                None
            }
            None => None,
        }
    }
}
