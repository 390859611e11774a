//! robots.txt per origin, cached in this process and in the `ROBOTS` bucket shared by
//! every worker: fetched at most once per TTL (≤ 24 h) by the whole fleet, and kept
//! in force when a later fetch fails.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_nats::jetstream::kv;
use bytes::Bytes;
use url::Url;

use super::fetch::{Fetched, RobotsEgress, fetch, robots_url};
use super::flight;
use super::record::{RecordKind, Robots, RobotsRecord, encode_body};
use crate::config::{MAX_ROBOTS_TTL, RobotsConfig};
use crate::domain::key::encode_key;
use crate::error::CrawlError;

/// Origins kept parsed in memory; past it the memory starts over.
const MAX_CACHED: usize = 10_000;
/// How often a worker waiting on another's robots.txt fetch looks for its record.
const PEER_POLL: std::time::Duration = std::time::Duration::from_millis(50);

type Flights = HashMap<String, Arc<tokio::sync::Mutex<()>>>;

/// The fleet-wide robots.txt cache.
#[derive(Clone)]
pub struct RobotsCache {
    kv: kv::Store,
    egress: Arc<dyn RobotsEgress>,
    config: RobotsConfig,
    parsed: Arc<Mutex<HashMap<String, Arc<Robots>>>>,
    flights: Arc<Mutex<Flights>>,
}

impl std::fmt::Debug for RobotsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotsCache")
            .field("config", &self.config)
            .finish()
    }
}

impl RobotsCache {
    /// Over the `ROBOTS` bucket, fetching through `egress` (the worker's).
    pub fn new(kv: kv::Store, egress: Arc<dyn RobotsEgress>, config: RobotsConfig) -> Self {
        Self {
            kv,
            egress,
            config,
            parsed: Arc::default(),
            flights: Arc::default(),
        }
    }

    /// The robots.txt in force for `url`'s origin at `now_ms`.
    pub async fn for_url(&self, url: &Url, now_ms: i64) -> Result<Arc<Robots>, CrawlError> {
        let origin = url.origin().ascii_serialization();
        if let Some(robots) = self.local(&origin, now_ms) {
            metrics::counter!("jetcrawl_robots_cache_total", "result" => "memory").increment(1);
            return Ok(robots);
        }
        let flight = self.flight(&origin);
        let _one_fetch = flight.lock().await;
        if let Some(robots) = self.local(&origin, now_ms) {
            return Ok(robots);
        }
        let cached = self.load(&origin).await?;
        if let Some(robots) = cached.as_ref().filter(|r| !r.stale(now_ms)) {
            metrics::counter!("jetcrawl_robots_cache_total", "result" => "kv").increment(1);
            return Ok(self.keep(&origin, robots.clone()));
        }
        let hold = ms(self.config.fetch_timeout) + 1_000;
        let claimed = flight::claim(&self.kv, &origin, now_ms, hold).await;
        let peer = if claimed {
            // The worker that held the lock before may have just stored a fresh copy.
            self.load(&origin).await?.filter(|r| !r.stale(now_ms))
        } else {
            self.fetched_by_peer(&origin, hold).await?
        };
        if let Some(robots) = peer {
            if claimed {
                flight::release(&self.kv, &origin).await;
            }
            metrics::counter!("jetcrawl_robots_cache_total", "result" => "kv").increment(1);
            return Ok(self.keep(&origin, robots));
        }
        metrics::counter!("jetcrawl_robots_cache_total", "result" => "fetch").increment(1);
        let record = self
            .refresh(url, &origin, cached.map(|r| r.record.clone()), now_ms)
            .await;
        let bytes = Bytes::from(serde_json::to_vec(&record).map_err(CrawlError::encode)?);
        if let Err(err) = self.kv.put(encode_key(&origin), bytes).await {
            tracing::warn!(%origin, error = %err, "robots.txt not shared in ROBOTS; other workers will fetch it too");
        }
        flight::release(&self.kv, &origin).await;
        let robots = Robots::new(record, &self.config.product_token);
        Ok(self.keep(&origin, robots))
    }

    /// Another worker is fetching: waits (at most `hold_ms`) for its fresh record.
    async fn fetched_by_peer(
        &self,
        origin: &str,
        hold_ms: i64,
    ) -> Result<Option<Robots>, CrawlError> {
        let deadline =
            tokio::time::Instant::now() + std::time::Duration::from_millis(hold_ms as u64);
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(PEER_POLL).await;
            let now = chrono::Utc::now().timestamp_millis();
            if let Some(robots) = self.load(origin).await?.filter(|r| !r.stale(now)) {
                return Ok(Some(robots));
            }
        }
        Ok(None)
    }

    /// Fetches the file and builds the record to keep: the new rules, or the previous
    /// usable ones with a retry time when the fetch failed.
    async fn refresh(
        &self,
        url: &Url,
        origin: &str,
        previous: Option<RobotsRecord>,
        now_ms: i64,
    ) -> RobotsRecord {
        let ttl = ms(self.config.ttl.min(MAX_ROBOTS_TTL));
        let retry = ms(self.config.retry);
        let fetched = match robots_url(url) {
            Some(robots) => fetch(self.egress.as_ref(), &robots, self.config.fetch_timeout).await,
            None => Fetched::AllowAll { status: 0 },
        };
        // The fetch counts as a request to the domain from when it ended (pacing).
        let now_ms = now_ms.max(chrono::Utc::now().timestamp_millis());
        let fresh = |kind, body_b64, status| RobotsRecord {
            origin: origin.to_owned(),
            kind,
            body_b64,
            status,
            fetched_ms: now_ms,
            refresh_ms: now_ms + ttl,
            last_error: None,
        };
        match fetched {
            Fetched::Rules { status, body } => {
                outcome("rules");
                fresh(RecordKind::Rules, encode_body(&body), status)
            }
            Fetched::AllowAll { status } => {
                outcome("allow_all");
                fresh(RecordKind::AllowAll, String::new(), status)
            }
            Fetched::Unreachable { status, error } => {
                outcome("unreachable");
                tracing::warn!(%origin, status, %error, "robots.txt unreachable; everything is disallowed until it is fetched (the last good copy stays in force)");
                let base = previous
                    .filter(|p| p.kind != RecordKind::Unreachable)
                    .unwrap_or_else(|| fresh(RecordKind::Unreachable, String::new(), status));
                RobotsRecord {
                    refresh_ms: now_ms + retry,
                    last_error: Some(error),
                    ..base
                }
            }
        }
    }

    async fn load(&self, origin: &str) -> Result<Option<Robots>, CrawlError> {
        let value = self
            .kv
            .get(encode_key(origin))
            .await
            .map_err(|err| CrawlError::kv("ROBOTS", err))?;
        let Some(value) = value else {
            return Ok(None);
        };
        Ok(serde_json::from_slice::<RobotsRecord>(&value)
            .ok()
            .map(|record| Robots::new(record, &self.config.product_token)))
    }

    fn local(&self, origin: &str, now_ms: i64) -> Option<Arc<Robots>> {
        let parsed = self.parsed.lock().unwrap_or_else(PoisonError::into_inner);
        parsed.get(origin).filter(|r| !r.stale(now_ms)).cloned()
    }

    fn keep(&self, origin: &str, robots: Robots) -> Arc<Robots> {
        let robots = Arc::new(robots);
        let mut parsed = self.parsed.lock().unwrap_or_else(PoisonError::into_inner);
        if parsed.len() >= MAX_CACHED {
            parsed.clear();
        }
        parsed.insert(origin.to_owned(), robots.clone());
        robots
    }

    fn flight(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if flights.len() >= MAX_CACHED {
            flights.retain(|_, f| Arc::strong_count(f) > 1);
        }
        flights.entry(origin.to_owned()).or_default().clone()
    }
}

fn outcome(kind: &'static str) {
    metrics::counter!("jetcrawl_robots_fetches_total", "outcome" => kind).increment(1);
}

fn ms(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
