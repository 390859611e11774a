//! Writing report files to the `REPORTS` Object Store bucket.

use async_nats::jetstream::object_store::ObjectStore;
use sha2::{Digest as _, Sha256};

use crate::error::ReportError;

/// A file as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its key.
    pub key: String,
    /// Bytes.
    pub size: u64,
    /// Hex sha256.
    pub sha256: String,
}

/// Stores `bytes` under `key` (replacing what a crashed earlier attempt left there).
pub async fn put(bucket: &ObjectStore, key: &str, bytes: &[u8]) -> Result<Stored, ReportError> {
    let mut reader = bytes;
    bucket
        .put(key, &mut reader)
        .await
        .map_err(|err| ReportError::nats(&format!("storing {key} in REPORTS"), err))?;
    Ok(Stored {
        key: key.to_owned(),
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}
