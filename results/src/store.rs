//! The storage seam for results and artifacts.

use std::pin::Pin;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;
use tokio::io::AsyncRead;

/// What went wrong in the result store, grouped by how a caller reacts.
#[derive(Debug, Error)]
pub enum ResultStoreError {
    /// No object under that key (never stored, or removed by retention).
    #[error("no stored object {0}")]
    NotFound(String),
    /// The backend did not answer or refused; retrying later may work.
    #[error("result store unavailable: {context}: {source}")]
    Unavailable {
        /// What was being done.
        context: String,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl ResultStoreError {
    /// The backend failed while doing `context`.
    pub fn unavailable(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self::Unavailable {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// An object as written: its size and hex sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Key it was stored under.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex sha256 of the bytes.
    pub sha256: String,
}

/// An object as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Its key, `<job_id>/<name>`.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// When it was (last) stored.
    pub stored_at: DateTime<Utc>,
}

/// An object being read: its size and a reader that streams it.
pub struct ObjectBody {
    /// Size in bytes.
    pub size: u64,
    /// The bytes, streamed from the backend.
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
}

impl std::fmt::Debug for ObjectBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectBody")
            .field("size", &self.size)
            .finish()
    }
}

/// Blob storage of results and artifacts, keyed `<job_id>/<name>`.
///
/// Implementations must make `put` of an existing key replace it, `get` stream without
/// buffering the whole object, and `delete` of a missing key answer `Ok(false)`.
#[async_trait]
pub trait ResultStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`.
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<StoredObject, ResultStoreError>;
    /// Opens `key` for streaming.
    async fn get(&self, key: &str) -> Result<ObjectBody, ResultStoreError>;
    /// Removes `key`; `false` when there was nothing to remove.
    async fn delete(&self, key: &str) -> Result<bool, ResultStoreError>;
    /// Every stored object. Used by the retention purge.
    async fn list(&self) -> Result<Vec<ObjectMeta>, ResultStoreError>;
    /// Short name of the backend, for logs (`jetstream`, `s3`, …).
    fn backend(&self) -> &'static str;
}
