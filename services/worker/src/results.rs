//! Results in the `RESULTS` Object Store: `<job_id>/result.json` and the screenshots
//! next to it, each with its size and sha256 for the `JobSucceeded` event.

use async_nats::jetstream::Context;
use async_nats::jetstream::object_store::ObjectStore;
use jetcrawl_proto::v1::{Artifact, RenderMode};
use jetcrawl_streams::topology::RESULTS_BUCKET;
use sha2::{Digest, Sha256};

use crate::error::{ErrorClass, JobError};
use crate::execute::{Mode, ResultDocument, ScreenshotRef, SpecRun};

/// What was stored for one job.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResult {
    /// Key of the result JSON.
    pub result_key: String,
    /// Its size in bytes.
    pub result_size: u64,
    /// Its hex sha256.
    pub result_sha256: String,
    /// Screenshots.
    pub artifacts: Vec<Artifact>,
    /// HTTP or BROWSER.
    pub mode_used: RenderMode,
}

/// Writes results.
#[derive(Clone)]
pub struct ResultStore {
    bucket: ObjectStore,
}

impl std::fmt::Debug for ResultStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultStore")
            .field("bucket", &RESULTS_BUCKET)
            .finish()
    }
}

impl ResultStore {
    /// Binds to the `RESULTS` bucket, which the topology creates.
    pub async fn open(js: &Context) -> Result<Self, JobError> {
        let bucket = js.get_object_store(RESULTS_BUCKET).await.map_err(|err| {
            storage(format!(
                "object store {RESULTS_BUCKET} is unavailable: {err}; apply the topology first"
            ))
        })?;
        Ok(Self { bucket })
    }

    /// Stores `bytes` at `key`; returns its size and hex sha256.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(u64, String), JobError> {
        let mut reader = bytes;
        self.bucket
            .put(key, &mut reader)
            .await
            .map_err(|err| storage(format!("cannot store {key} in {RESULTS_BUCKET}: {err}")))?;
        Ok((bytes.len() as u64, hex::encode(Sha256::digest(bytes))))
    }

    /// Stores the screenshots, then the result JSON that references them.
    pub async fn store_run(&self, job_id: &str, run: SpecRun) -> Result<StoredResult, JobError> {
        let mode_used = run.mode_used();
        let mut artifacts = Vec::new();
        let mut pages = Vec::with_capacity(run.pages.len());
        for page in run.pages {
            let mut result = page.result;
            for capture in page.captures {
                let key = format!("{job_id}/{}.png", capture.name);
                let (size, sha256) = self.put(&key, &capture.png).await?;
                artifacts.push(Artifact {
                    name: capture.name.clone(),
                    key: key.clone(),
                    content_type: "image/png".to_owned(),
                    size,
                    sha256: sha256.clone(),
                });
                result.screenshots.push(ScreenshotRef {
                    name: capture.name,
                    key,
                    size,
                    sha256,
                });
            }
            pages.push(result);
        }
        let document = ResultDocument {
            job_id: job_id.to_owned(),
            mode_used,
            pages,
            completed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        let json = serde_json::to_vec(&document)
            .map_err(|err| storage(format!("cannot encode the result: {err}")))?;
        let result_key = format!("{job_id}/result.json");
        let (result_size, result_sha256) = self.put(&result_key, &json).await?;
        let mode_used = match mode_used {
            Mode::Http => RenderMode::Http,
            Mode::Browser => RenderMode::Browser,
        };
        Ok(StoredResult {
            result_key,
            result_size,
            result_sha256,
            artifacts,
            mode_used,
        })
    }
}

fn storage(message: String) -> JobError {
    JobError::new(ErrorClass::Storage, message)
}
