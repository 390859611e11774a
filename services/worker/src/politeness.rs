//! The worker's [`SlotGate`] backed by the crawl controller (`jetcrawl-crawl`): robots.txt
//! and the per-domain politeness shared by the fleet through JetStream KV. A grant is
//! kept per job until its attempt ends, then released with what the attempt said about
//! the site (Retry-After, breaker failures).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_nats::jetstream::Context;
use chrono::Utc;
use jetcrawl_crawl::{
    Admission, AttemptReport, Controller, CrawlError, DomainKey, Grant, Health, JobView,
    RobotsEgress,
};
use jetcrawl_proto::v1::JobDeferred;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_streams::Job;
use url::Url;

use crate::config::WorkerConfig;
use crate::egress::Egress;
use crate::error::{ErrorClass, JobError};
use crate::gate::{AttemptOutcome, Slot, SlotGate, SlotNotes};
use crate::handler::Handler;
use crate::results::StoredResult;

/// Grants not finished after this long are forgotten (their leases lapse on their own).
const GRANT_MEMORY: Duration = Duration::from_secs(3600);
/// When the controller itself fails, the job asks again after this long.
const CONTROLLER_RETRY: Duration = Duration::from_secs(5);

/// Robots.txt and per-domain politeness for every job.
#[derive(Debug)]
pub struct CrawlGate {
    controller: Controller,
    config: WorkerConfig,
    grants: Mutex<HashMap<String, (Instant, Grant)>>,
}

impl CrawlGate {
    /// Opens the controller's buckets; robots.txt goes out through `egress`.
    pub async fn open(
        config: &WorkerConfig,
        js: &Context,
        egress: Egress,
    ) -> Result<Self, JobError> {
        let crawl = config.crawl.config()?;
        let egress: Arc<dyn RobotsEgress> = Arc::new(WorkerEgress(egress));
        let controller = Controller::open(js, egress, crawl)
            .await
            .map_err(|err| JobError::new(ErrorClass::Storage, err.to_string()))?;
        Ok(Self {
            controller,
            config: config.clone(),
            grants: Mutex::default(),
        })
    }

    /// robots.txt checks for the pages `tenant`'s agent jobs find on their way.
    pub fn robots_check(&self, tenant: &str) -> crate::execute::agent::RobotsCheck {
        crate::execute::agent::RobotsCheck::new(self.controller.clone(), tenant)
    }

    async fn decide(&self, job: &Job) -> Result<Slot, CrawlError> {
        let spec = job.spec.clone().unwrap_or_default();
        let reserved = job
            .deferral
            .as_ref()
            .filter(|d| d.slot_reserved)
            .and_then(|d| {
                Some((
                    DomainKey::from_stored(&d.domain),
                    to_ms(d.not_before.as_ref()?),
                ))
            });
        let view = JobView {
            job_id: &job.id,
            tenant: &job.tenant,
            urls: job_urls(&spec),
            reserved,
            lease_for: self.config.job_deadline(spec.timeout_ms) + Duration::from_secs(30),
        };
        Ok(match self.controller.admit(&view).await? {
            Admission::Granted(grant) => {
                let mut grants = self.grants.lock().unwrap_or_else(PoisonError::into_inner);
                grants.retain(|_, (at, _)| at.elapsed() < GRANT_MEMORY);
                grants.insert(job.id.clone(), (Instant::now(), grant));
                Slot::Ready
            }
            Admission::Wait {
                until_ms,
                cause,
                domain,
                reserved,
                reason,
            } => Slot::Defer(JobDeferred {
                not_before: Some(timestamp(until_ms)),
                reason,
                domain: domain.to_string(),
                cause: cause.as_str().to_owned(),
                slot_reserved: reserved,
            }),
            Admission::Refused(refused) => Slot::Refuse(refused),
        })
    }
}

impl SlotGate for CrawlGate {
    fn page_check(&self, tenant: &str) -> std::sync::Arc<dyn crate::execute::agent::PageCheck> {
        std::sync::Arc::new(self.robots_check(tenant))
    }

    fn slot<'a>(&'a self, job: &'a Job) -> Pin<Box<dyn Future<Output = Slot> + Send + 'a>> {
        Box::pin(async move {
            let started = Instant::now();
            let slot = self.decide(job).await.unwrap_or_else(|err| {
                tracing::warn!(error = %err, "crawl controller unavailable; the job waits");
                Slot::Defer(JobDeferred {
                    not_before: Some(timestamp(
                        Utc::now().timestamp_millis() + CONTROLLER_RETRY.as_millis() as i64,
                    )),
                    reason: format!("the crawl controller is unavailable ({err})"),
                    cause: "controller_unavailable".to_owned(),
                    ..Default::default()
                })
            });
            metrics::histogram!("jetcrawl_gate_seconds").record(started.elapsed().as_secs_f64());
            slot
        })
    }

    fn confirm<'a>(&'a self, job: &'a Job) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let grant = {
                let grants = self.grants.lock().unwrap_or_else(PoisonError::into_inner);
                grants.get(&job.id).map(|(_, grant)| grant.clone())
            };
            let Some(grant) = grant else { return };
            if let Err(err) = self.controller.confirm(&grant).await {
                tracing::warn!(error = %err, "request gap not confirmed; sending on the admission's slot");
            }
        })
    }

    fn notes(&self, job: &Job) -> SlotNotes {
        let grants = self.grants.lock().unwrap_or_else(PoisonError::into_inner);
        grants
            .get(&job.id)
            .map_or_else(SlotNotes::default, |(_, grant)| SlotNotes {
                capped: grant.capped(),
                report: grant.report(),
            })
    }

    fn finished<'a>(
        &'a self,
        job: &'a Job,
        outcome: AttemptOutcome,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let grant = self
                .grants
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&job.id);
            let Some((_, grant)) = grant else { return };
            let report = AttemptReport {
                health: health(outcome.error),
                retry_after: outcome.retry_after,
            };
            if let Err(err) = self.controller.finish(&job.id, &grant, &report).await {
                tracing::warn!(error = %err, "politeness state not updated after the attempt; leases lapse on their own");
            }
        })
    }
}

impl Handler {
    /// Tells the gate how the attempt went, and carries its capped crawl-delays into the
    /// stored result for `JobSucceeded`.
    pub(crate) async fn slot_done(
        &self,
        job: &Job,
        result: Result<StoredResult, JobError>,
    ) -> Result<StoredResult, JobError> {
        let capped = self.gate.notes(job).capped;
        let outcome = match &result {
            Ok(_) => AttemptOutcome::default(),
            Err(err) => AttemptOutcome {
                error: Some(err.class),
                retry_after: err.retry_after,
            },
        };
        self.gate.finished(job, outcome).await;
        result.map(|stored| StoredResult {
            crawl_delay_capped: capped,
            ..stored
        })
    }
}

/// What an attempt's outcome says about the site.
fn health(error: Option<ErrorClass>) -> Health {
    match error {
        None => Health::Healthy,
        Some(
            ErrorClass::Http5xx | ErrorClass::Http429 | ErrorClass::Timeout | ErrorClass::Network,
        ) => Health::Failing,
        Some(
            ErrorClass::Http4xx | ErrorClass::ExtractionRequiredMissing | ErrorClass::BodyTooLarge,
        ) => Health::Healthy,
        Some(_) => Health::Unknown,
    }
}

/// Every URL the job requests: its URLs and its `navigate` steps (unparseable ones are
/// left to the executor, which refuses them).
fn job_urls(spec: &jetcrawl_proto::v1::JobSpec) -> Vec<Url> {
    let navigations = spec.steps.iter().filter_map(|step| match &step.kind {
        Some(Kind::Navigate(navigate)) => Some(&navigate.url),
        _ => None,
    });
    spec.urls
        .iter()
        .chain(navigations)
        .filter_map(|url| Url::parse(url).ok())
        .collect()
}

/// robots.txt leaves through the worker's egress: its SSRF policy and shared client.
#[derive(Debug)]
struct WorkerEgress(Egress);

impl RobotsEgress for WorkerEgress {
    fn client(&self) -> reqwest::Client {
        self.0.client()
    }

    fn check<'a>(
        &'a self,
        url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            self.0
                .check_url(url)
                .await
                .map(|_| ())
                .map_err(|err| err.message)
        })
    }
}

fn timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: i32::try_from(ms.rem_euclid(1000) * 1_000_000).unwrap_or(0),
    }
}

fn to_ms(t: &prost_types::Timestamp) -> i64 {
    t.seconds * 1000 + i64::from(t.nanos) / 1_000_000
}
