//! The jobs Prometheus watches, in two waves: the first gives every panel a series; the
//! second, once Prometheus has stored those, moves them, so rates, ratios and quantiles
//! over the last minute are numbers rather than NaN.

use std::time::Duration;

use anyhow::{Context as _, ensure};
use jetcrawl_proto::v1::{GetResultRequest, JobState};
use jetcrawl_tests::jobs::{submit, wait_terminal};
use jetcrawl_tests::{JobsApiClient, eventually, http_client};

use crate::observe::cases::{self, Case};
use crate::observe::platform::Platform;
use crate::observe::receiver::Receiver;

/// Long enough for Chromium's first start on a loaded 2-core machine.
const JOB_TIMEOUT: Duration = Duration::from_secs(60);

/// Jobs submitted to the platform, and the endpoint their webhooks reach.
pub struct Workload<'a> {
    platform: &'a Platform,
    jobs: JobsApiClient,
    receiver: Receiver,
}

impl<'a> Workload<'a> {
    pub async fn start(platform: &'a Platform) -> anyhow::Result<Self> {
        Ok(Self {
            platform,
            jobs: platform.gateway.jobs().await?,
            receiver: Receiver::start().await?,
        })
    }

    /// Every case to its end, one result downloaded, two webhooks delivered (the page
    /// and the 404 each notify once).
    pub async fn first_wave(&self) -> anyhow::Result<()> {
        let mut submitted = self
            .submit_all(cases::first_wave(self.platform, self.receiver.url()))
            .await?;
        // The throttled domain is paused until its Retry-After passes: a job for it
        // submitted now is deferred (the throttled job's own retry is just scheduled).
        let site = &self.platform.stack.site;
        eventually(JOB_TIMEOUT, || async {
            ensure!(site.count("/throttled") > 0, "not throttled yet");
            Ok(())
        })
        .await?;
        submitted.extend(
            self.submit_all(vec![cases::neighbour(self.platform)])
                .await?,
        );
        self.finish_all(&submitted).await?;
        self.download(&submitted[0].1).await?;
        self.webhooks(2).await
    }

    /// One more page with a webhook and a download.
    pub async fn second_wave(&self) -> anyhow::Result<()> {
        let submitted = self
            .submit_all(vec![cases::page(self.platform, self.receiver.url())])
            .await?;
        self.finish_all(&submitted).await?;
        self.download(&submitted[0].1).await?;
        self.webhooks(3).await
    }

    async fn submit_all(&self, cases: Vec<Case>) -> anyhow::Result<Vec<(Case, String)>> {
        let mut submitted = Vec::new();
        for case in cases {
            let id = submit(&self.jobs, case.spec.clone())
                .await
                .with_context(|| format!("submitting {}", case.what))?;
            submitted.push((case, id));
        }
        Ok(submitted)
    }

    async fn finish_all(&self, submitted: &[(Case, String)]) -> anyhow::Result<()> {
        let ends = futures::future::try_join_all(
            submitted
                .iter()
                .map(|(_, id)| wait_terminal(&self.jobs, id, JOB_TIMEOUT)),
        )
        .await
        .with_context(|| format!("worker log:\n{}", self.platform.worker.process.log()))?;
        for ((case, _), job) in submitted.iter().zip(&ends) {
            ensure!(
                job.state == case.expect as i32,
                "{}: {:?}, expected {:?} ({:?})",
                case.what,
                JobState::try_from(job.state),
                case.expect,
                job.failure
            );
        }
        Ok(())
    }

    async fn webhooks(&self, at_least: usize) -> anyhow::Result<()> {
        eventually(JOB_TIMEOUT, || async {
            let received = self.receiver.received();
            ensure!(
                received >= at_least,
                "{received} webhooks, {at_least} expected"
            );
            Ok(())
        })
        .await
    }

    /// Downloads `job_id`'s result through its signed URL, as a client would.
    async fn download(&self, job_id: &str) -> anyhow::Result<()> {
        let response = self
            .jobs
            .clone()
            .get_result(GetResultRequest {
                job_id: job_id.to_owned(),
                ttl_seconds: 0,
            })
            .await?
            .into_inner();
        let path = response.result.context("no signed result URL")?.url;
        let url = if path.starts_with("http") {
            path
        } else {
            format!("{}{path}", self.platform.gateway.http_url)
        };
        let status = http_client()?.get(&url).send().await?.status();
        ensure!(status.is_success(), "downloading the result: {status}");
        Ok(())
    }
}
