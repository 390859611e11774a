//! The `DOMAINS` bucket: read a domain's state, change it by compare-and-swap on its
//! revision (retrying when another worker wrote first), list every domain.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};
use bytes::Bytes;
use futures::TryStreamExt;

use super::key::DomainKey;
use super::state::DomainState;
use crate::error::CrawlError;

/// Compare-and-swap attempts before giving up on a domain that keeps changing.
const CAS_TRIES: usize = 20;
/// Domains whose last read is remembered; past it the memory starts over.
const MAX_CACHED: usize = 10_000;

/// Per-domain state shared by every worker.
#[derive(Clone)]
pub struct DomainStore {
    kv: kv::Store,
    /// Recent reads, for checks that tolerate a short staleness (breaker, pause).
    cache: Arc<Mutex<HashMap<DomainKey, (Instant, DomainState)>>>,
    read_ttl: Duration,
    /// Per domain: the lock of this process's changes and the last state it wrote.
    slots: Arc<Mutex<HashMap<DomainKey, Arc<tokio::sync::Mutex<Known>>>>>,
}

/// The state and revision this process wrote last, if it still trusts them.
type Known = Option<(DomainState, u64)>;

impl std::fmt::Debug for DomainStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomainStore")
            .field("read_ttl", &self.read_ttl)
            .finish()
    }
}

impl DomainStore {
    /// Over the `DOMAINS` bucket; cached reads are reused for `read_ttl`.
    pub fn new(kv: kv::Store, read_ttl: Duration) -> Self {
        Self {
            kv,
            cache: Arc::default(),
            read_ttl,
            slots: Arc::default(),
        }
    }

    /// The state and its revision (`None` when the key does not exist).
    async fn load(&self, domain: &DomainKey) -> Result<(DomainState, Option<u64>), CrawlError> {
        let entry = self
            .kv
            .entry(domain.kv_key())
            .await
            .map_err(|err| CrawlError::kv("DOMAINS", err))?;
        let Some(entry) = entry else {
            return Ok((DomainState::default(), None));
        };
        if entry.operation != Operation::Put {
            return Ok((DomainState::default(), Some(entry.revision)));
        }
        let state = serde_json::from_slice(&entry.value).unwrap_or_else(|err| {
            tracing::warn!(domain = %domain, error = %err, "unreadable domain state; starting afresh");
            DomainState::default()
        });
        Ok((state, Some(entry.revision)))
    }

    /// The state, possibly up to `read_ttl` old.
    pub async fn read(&self, domain: &DomainKey) -> Result<DomainState, CrawlError> {
        if let Some((at, state)) = self.lock().get(domain)
            && at.elapsed() < self.read_ttl
        {
            return Ok(state.clone());
        }
        let (state, _) = self.load(domain).await?;
        self.remember(domain, &state);
        Ok(state)
    }

    /// Applies `change` to the current state and writes it back if it changed, retrying
    /// from a fresh read whenever another worker wrote in between. Returns what `change`
    /// returned on the state that was stored.
    pub async fn update<T>(
        &self,
        domain: &DomainKey,
        now_ms: i64,
        mut change: impl FnMut(&mut DomainState) -> T,
    ) -> Result<(T, DomainState), CrawlError> {
        // One change at a time per domain in this process: tasks of one worker queue here
        // instead of failing each other's compare-and-swap, and the revision this process
        // wrote last saves the read before the next write.
        let slot = self.slot(domain);
        let mut known = slot.lock().await;
        for _ in 0..CAS_TRIES {
            let (mut state, revision, fresh) = match known.take() {
                Some((state, revision)) => (state, Some(revision), false),
                None => {
                    let (state, revision) = self.load(domain).await?;
                    (state, revision, true)
                }
            };
            let before = state.clone();
            let out = change(&mut state);
            if state == before {
                if !fresh {
                    // A decision that writes nothing must not rest on a copy others
                    // may have changed: decide again on a fresh read.
                    continue;
                }
                *known = revision.map(|r| (state.clone(), r));
                self.remember(domain, &state);
                return Ok((out, state));
            }
            state.updated_ms = now_ms;
            match self.write(domain, &state, revision).await? {
                Some(written) => {
                    *known = Some((state.clone(), written));
                    self.remember(domain, &state);
                    return Ok((out, state));
                }
                None => metrics::counter!("jetcrawl_domain_cas_conflicts_total").increment(1),
            }
        }
        Err(CrawlError::Contended(domain.to_string()))
    }

    /// Writes `state` if the key is still at `revision` (absent for `None`); the new
    /// revision, or `None` when another worker wrote first.
    async fn write(
        &self,
        domain: &DomainKey,
        state: &DomainState,
        revision: Option<u64>,
    ) -> Result<Option<u64>, CrawlError> {
        let bytes = Bytes::from(serde_json::to_vec(state).map_err(CrawlError::encode)?);
        match revision {
            Some(revision) => match self.kv.update(domain.kv_key(), bytes, revision).await {
                Ok(written) => Ok(Some(written)),
                Err(err) if err.kind() == UpdateErrorKind::WrongLastRevision => Ok(None),
                Err(err) => Err(CrawlError::kv("DOMAINS", err)),
            },
            None => match self.kv.create(domain.kv_key(), bytes).await {
                Ok(written) => Ok(Some(written)),
                Err(err) if err.kind() == CreateErrorKind::AlreadyExists => Ok(None),
                Err(err) => Err(CrawlError::kv("DOMAINS", err)),
            },
        }
    }

    fn slot(&self, domain: &DomainKey) -> Arc<tokio::sync::Mutex<Known>> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.len() >= MAX_CACHED {
            slots.retain(|_, slot| Arc::strong_count(slot) > 1);
        }
        slots.entry(domain.clone()).or_default().clone()
    }

    /// Every domain with state, sorted by domain.
    pub async fn list(&self) -> Result<Vec<(DomainKey, DomainState)>, CrawlError> {
        let keys: Vec<String> = match self.kv.keys().await {
            Ok(keys) => keys
                .try_collect()
                .await
                .map_err(|err| CrawlError::kv("DOMAINS", err))?,
            Err(err) => return Err(CrawlError::kv("DOMAINS", err)),
        };
        let mut domains = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(domain) = DomainKey::from_kv_key(&key) else {
                continue;
            };
            let (state, revision) = self.load(&domain).await?;
            if revision.is_some() {
                domains.push((domain, state));
            }
        }
        domains.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(domains)
    }

    fn remember(&self, domain: &DomainKey, state: &DomainState) {
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(domain.clone(), (Instant::now(), state.clone()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DomainKey, (Instant, DomainState)>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
