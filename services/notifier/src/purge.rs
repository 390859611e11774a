//! The retention purge: results older than the retention are recorded as
//! `ResultExpired` on their job, then deleted from the result store. Recording first
//! means a crash in between leaves objects that the next run deletes (the record is
//! already there), never a deletion nobody recorded.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::ResultExpired;
use jetcrawl_results::artifacts::job_of;
use jetcrawl_results::{ObjectMeta, ResultStore, Retention};
use jetcrawl_streams::job::fold;
use jetcrawl_streams::{Command, EventStore, JobStatus};
use tracing::{info, warn};

use crate::record::{NotifyError, record};

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Jobs whose result expired in this run.
    pub jobs: usize,
    /// Objects deleted.
    pub objects: usize,
}

/// The purge job.
#[derive(Clone)]
pub struct Purge {
    /// The event log, where removals are recorded.
    pub store: EventStore,
    /// Where results live.
    pub results: Arc<dyn ResultStore>,
    /// How long they are kept.
    pub retention: Retention,
}

impl std::fmt::Debug for Purge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Purge")
            .field("retention", &self.retention)
            .finish()
    }
}

impl Purge {
    /// Removes every job's result stored more than the retention before `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<PurgeReport, NotifyError> {
        let objects = self.results.list().await?;
        let mut by_job: BTreeMap<String, Vec<ObjectMeta>> = BTreeMap::new();
        for object in objects {
            if let Some(job) = job_of(&object.key) {
                by_job.entry(job.to_owned()).or_default().push(object);
            }
        }
        let mut report = PurgeReport::default();
        for (job_id, objects) in by_job {
            let Some(newest) = objects.iter().map(|o| o.stored_at).max() else {
                continue;
            };
            if self.retention.expires_at(newest) > now {
                continue;
            }
            report.objects += self.expire(&job_id, objects, newest).await?;
            report.jobs += 1;
        }
        if report.jobs > 0 {
            info!(
                jobs = report.jobs,
                objects = report.objects,
                "expired results purged"
            );
        }
        crate::metrics::purged(report.jobs, report.objects);
        Ok(report)
    }

    #[tracing::instrument(name = "expire_result", skip_all, fields(job_id = %job_id))]
    async fn expire(
        &self,
        job_id: &str,
        objects: Vec<ObjectMeta>,
        newest: DateTime<Utc>,
    ) -> Result<usize, NotifyError> {
        let history = self.store.history(job_id).await?;
        let job = fold(&history);
        if job.status != JobStatus::New {
            let event = ResultExpired {
                keys: objects.iter().map(|o| o.key.clone()).collect(),
                reason: "retention".to_owned(),
                retention_secs: self.retention.period().as_secs(),
                stored_at: Some(prost_types::Timestamp {
                    seconds: newest.timestamp(),
                    nanos: 0,
                }),
            };
            record(&self.store, job_id, Command::ExpireResult(event)).await?;
        } else {
            warn!("stored objects of a job with no events; deleting them unrecorded");
        }
        let mut deleted = 0;
        for object in objects {
            match self.results.delete(&object.key).await {
                Ok(true) => deleted += 1,
                Ok(false) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(deleted)
    }
}
