//! Results through the [`jetcrawl_results::ResultStore`] seam (the `RESULTS` Object
//! Store today): `<job_id>/result.json`, each screenshot as `<job_id>/<name>.png` and its
//! thumbnail as `<job_id>/<name>.thumb.png`, each with its size and sha256 for the
//! `JobSucceeded` event.

use std::sync::Arc;

use async_nats::jetstream::Context;
use jetcrawl_proto::v1::{Artifact, RenderMode};
use jetcrawl_results::{JetStreamResults, ResultStore as Store, StoredObject};

use crate::error::{ErrorClass, JobError};
use crate::execute::{Mode, ResultDocument, ScreenshotRef, SpecRun};
use crate::thumbnail::thumbnail;

/// What was stored for one job.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResult {
    /// Key of the result JSON.
    pub result_key: String,
    /// Its size in bytes.
    pub result_size: u64,
    /// Its hex sha256.
    pub result_sha256: String,
    /// Screenshots and their thumbnails.
    pub artifacts: Vec<Artifact>,
    /// HTTP or BROWSER.
    pub mode_used: RenderMode,
    /// Crawl-delays the crawl controller cut to its cap (for `JobSucceeded`).
    pub crawl_delay_capped: Vec<jetcrawl_proto::v1::CrawlDelayCapped>,
    /// How the browser pages settled (for `JobSucceeded`).
    pub settle: Option<jetcrawl_proto::v1::SettleReport>,
}

/// Writes a job's results to the result store.
#[derive(Clone)]
pub struct ResultStore {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for ResultStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultStore")
            .field("backend", &self.store.backend())
            .finish()
    }
}

impl ResultStore {
    /// Binds to the `RESULTS` bucket, which the topology creates.
    pub async fn open(js: &Context) -> Result<Self, JobError> {
        let store = JetStreamResults::open(js)
            .await
            .map_err(|err| storage(err.to_string()))?;
        Ok(Self::over(Arc::new(store)))
    }

    /// Writes through any backend.
    pub fn over(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Stores `bytes` at `key`; returns its size and hex sha256.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(u64, String), JobError> {
        let StoredObject { size, sha256, .. } = self
            .store
            .put(key, bytes)
            .await
            .map_err(|err| storage(err.to_string()))?;
        Ok((size, sha256))
    }

    /// Reads the object at `key` whole (a crawl's page results, for its JSONL).
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, JobError> {
        use tokio::io::AsyncReadExt as _;
        let mut body = self
            .store
            .get(key)
            .await
            .map_err(|err| storage(err.to_string()))?;
        let mut bytes = Vec::with_capacity(usize::try_from(body.size).unwrap_or(0));
        body.reader
            .read_to_end(&mut bytes)
            .await
            .map_err(|err| storage(format!("cannot read {key}: {err}")))?;
        Ok(bytes)
    }

    /// Stores one PNG under `<job_id>/<name>.png` and describes it.
    async fn put_png(&self, job_id: &str, name: &str, png: &[u8]) -> Result<Artifact, JobError> {
        let key = format!("{job_id}/{name}.png");
        let (size, sha256) = self.put(&key, png).await?;
        Ok(Artifact {
            name: name.to_owned(),
            key,
            content_type: "image/png".to_owned(),
            size,
            sha256,
        })
    }

    /// Stores the screenshots and their thumbnails, then the result JSON that
    /// references the screenshots.
    pub async fn store_run(&self, job_id: &str, run: SpecRun) -> Result<StoredResult, JobError> {
        let mode_used = run.mode_used();
        let settle = run.settle_report();
        let mut artifacts = Vec::new();
        let mut pages = Vec::with_capacity(run.pages.len());
        for page in run.pages {
            let mut result = page.result;
            for capture in page.captures {
                let shot = self.put_png(job_id, &capture.name, &capture.png).await?;
                let small = thumbnail(&capture.png).map_err(storage)?;
                let thumb_name = format!("{}.thumb", capture.name);
                let thumb = self.put_png(job_id, &thumb_name, &small).await?;
                result.screenshots.push(ScreenshotRef {
                    name: capture.name,
                    key: shot.key.clone(),
                    size: shot.size,
                    sha256: shot.sha256.clone(),
                });
                artifacts.extend([shot, thumb]);
            }
            pages.push(result);
        }
        let document = ResultDocument {
            job_id: job_id.to_owned(),
            mode_used,
            pages,
            completed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            politeness: run.politeness,
            agent: run.agent,
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
            crawl_delay_capped: Vec::new(),
            settle,
        })
    }
}

fn storage(message: String) -> JobError {
    JobError::new(ErrorClass::Storage, message)
}
