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
        }
    }

    /// The tenant's backlog, from the cache when fresh.
    pub async fn backlog(&self, tenant: &str) -> Result<Backlog, sqlx::Error> {
        if let Some(cached) = self.cached(tenant) {
            return Ok(cached);
        }
        let (queued, running): (i64, i64) = sqlx::query_as(COUNT_SQL)
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?;
        let backlog = Backlog {
            queued: u64::try_from(queued).unwrap_or_default(),
            running: u64::try_from(running).unwrap_or_default(),
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(tenant.to_owned(), (Instant::now(), backlog));
        }
        Ok(backlog)
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
