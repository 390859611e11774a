//! [`ResultStore`] on the JetStream Object Store bucket `RESULTS`.

use async_nats::jetstream::Context;
use async_nats::jetstream::object_store::{DeleteErrorKind, GetErrorKind, ObjectStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};

use crate::store::{ObjectBody, ObjectMeta, ResultStore, ResultStoreError, StoredObject};

/// Name of the bucket (the topology in `jetcrawl-streams` creates it).
pub const RESULTS_BUCKET: &str = "RESULTS";
/// Name of the stream behind the bucket.
pub const RESULTS_STREAM: &str = "OBJ_RESULTS";

/// The `RESULTS` Object Store bucket.
#[derive(Clone)]
pub struct JetStreamResults {
    bucket: ObjectStore,
}

impl std::fmt::Debug for JetStreamResults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamResults")
            .field("bucket", &RESULTS_BUCKET)
            .finish()
    }
}

impl JetStreamResults {
    /// Binds to the bucket, which the topology must have created.
    pub async fn open(js: &Context) -> Result<Self, ResultStoreError> {
        let bucket = js.get_object_store(RESULTS_BUCKET).await.map_err(|err| {
            ResultStoreError::unavailable(
                format!("object store {RESULTS_BUCKET} (apply the topology first)"),
                err,
            )
        })?;
        Ok(Self { bucket })
    }
}

fn listing<E: std::error::Error + Send + Sync + 'static>(err: E) -> ResultStoreError {
    ResultStoreError::unavailable(format!("cannot list {RESULTS_BUCKET}"), err)
}

#[async_trait]
impl ResultStore for JetStreamResults {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<StoredObject, ResultStoreError> {
        let mut reader = bytes;
        self.bucket.put(key, &mut reader).await.map_err(|err| {
            ResultStoreError::unavailable(format!("cannot store {key} in {RESULTS_BUCKET}"), err)
        })?;
        Ok(StoredObject {
            key: key.to_owned(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
        })
    }

    async fn get(&self, key: &str) -> Result<ObjectBody, ResultStoreError> {
        match self.bucket.get(key).await {
            Ok(object) => Ok(ObjectBody {
                size: object.info.size as u64,
                reader: Box::pin(object),
            }),
            Err(err) if err.kind() == GetErrorKind::NotFound => {
                Err(ResultStoreError::NotFound(key.to_owned()))
            }
            Err(err) => Err(ResultStoreError::unavailable(
                format!("cannot read {key} from {RESULTS_BUCKET}"),
                err,
            )),
        }
    }

    async fn delete(&self, key: &str) -> Result<bool, ResultStoreError> {
        match self.bucket.delete(key).await {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == DeleteErrorKind::NotFound => Ok(false),
            Err(err) => Err(ResultStoreError::unavailable(
                format!("cannot delete {key} from {RESULTS_BUCKET}"),
                err,
            )),
        }
    }

    async fn list(&self) -> Result<Vec<ObjectMeta>, ResultStoreError> {
        let infos: Vec<_> = self
            .bucket
            .list()
            .await
            .map_err(listing)?
            .try_collect()
            .await
            .map_err(listing)?;
        Ok(infos
            .into_iter()
            .map(|info| ObjectMeta {
                stored_at: info
                    .modified
                    .and_then(|m| i64::try_from(m.unix_timestamp_nanos()).ok())
                    .map(DateTime::from_timestamp_nanos)
                    .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
                key: info.name,
                size: info.size as u64,
            })
            .collect())
    }

    fn backend(&self) -> &'static str {
        "jetstream"
    }
}
