//! The gateway's in-memory view of `API_KEYS`, kept current by a KV watch: a revocation
//! reaches every gateway within milliseconds, and authentication keeps working from the
//! last known state while NATS is briefly unreachable. A key the view has not seen yet
//! (issued a moment ago) is read from the bucket directly.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;

use super::key_store::{KeyRecord, KeyStore, KeyStoreError};

/// Longest wait for a direct read of a key the view has not seen.
const MISS_TIMEOUT: Duration = Duration::from_secs(1);
/// Wait before re-opening a watch that ended.
const REWATCH_DELAY: Duration = Duration::from_millis(500);

/// Key records by id.
#[derive(Clone)]
pub struct KeyCache {
    store: KeyStore,
    records: Arc<RwLock<HashMap<String, KeyRecord>>>,
}

impl KeyCache {
    /// An empty view of `store`; call [`KeyCache::follow`] to keep it current.
    pub fn new(store: KeyStore) -> Self {
        Self {
            store,
            records: Arc::default(),
        }
    }

    /// The bucket behind the view.
    pub fn store(&self) -> &KeyStore {
        &self.store
    }

    /// The record of `id`: from the view, else from the bucket.
    pub async fn lookup(&self, id: &str) -> Result<Option<KeyRecord>, KeyStoreError> {
        if let Some(record) = self.records.read().ok().and_then(|r| r.get(id).cloned()) {
            return Ok(Some(record));
        }
        let record = tokio::time::timeout(MISS_TIMEOUT, self.store.lookup(id))
            .await
            .map_err(|_| {
                KeyStoreError::Unavailable(
                    format!("no answer within {} ms", MISS_TIMEOUT.as_millis()).into(),
                )
            })??;
        if let Some(record) = &record {
            self.put(id, Some(record.clone()));
        }
        Ok(record)
    }

    /// Follows the bucket until `stop` is cancelled, re-opening the watch when NATS
    /// drops it (the re-opened watch replays every key, so nothing is missed).
    pub async fn follow(self, stop: CancellationToken) {
        while !stop.is_cancelled() {
            match self.store.watch().await {
                Ok(changes) => {
                    let mut changes = std::pin::pin!(changes.take_until(stop.cancelled()));
                    while let Some(change) = changes.next().await {
                        match change {
                            Ok((id, record)) => self.put(&id, record),
                            Err(err) => {
                                tracing::warn!(error = %err, "API key watch failed; re-opening");
                                break;
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot watch API keys yet"),
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(REWATCH_DELAY) => {}
            }
        }
    }

    fn put(&self, id: &str, record: Option<KeyRecord>) {
        let Ok(mut records) = self.records.write() else {
            return;
        };
        match record {
            Some(record) => records.insert(id.to_owned(), record),
            None => records.remove(id),
        };
    }
}
