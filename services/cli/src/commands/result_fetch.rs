//! A job's result through the gateway only: GetResult signs a URL per file, and each
//! download is checked against the sha256 the gateway recorded, so a user with gateway
//! access alone gets the result, intact or not at all.

use std::time::Duration;

use anyhow::Context;
use jetcrawl_proto::v1::{GetResultRequest, GetResultResponse, SignedArtifact};
use sha2::{Digest, Sha256};

use super::{Jobs, status_error};
use crate::args::Global;

/// How long one download may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// Signed URLs for `job_id`'s result and artifacts, valid `ttl_seconds` (0: default).
pub async fn signed(
    jobs: &mut Jobs,
    job_id: &str,
    ttl_seconds: u32,
) -> anyhow::Result<GetResultResponse> {
    Ok(jobs
        .get_result(GetResultRequest {
            job_id: job_id.to_owned(),
            ttl_seconds,
        })
        .await
        .map_err(status_error)
        .with_context(|| format!("getting the result of job {job_id}"))?
        .into_inner())
}

/// Downloads files from the gateway's HTTP listener.
pub struct Downloader {
    http: reqwest::Client,
    base: String,
}

impl Downloader {
    /// A downloader resolving path-only URLs against `--http-url`, trusting `--ca`.
    pub fn new(global: &Global) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder().timeout(DOWNLOAD_TIMEOUT);
        if let Some(ca) = &global.ca {
            let pem = std::fs::read(ca)
                .with_context(|| format!("reading the CA certificate {}", ca.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", ca.display()))?;
            builder = builder.add_root_certificate(cert);
        }
        Ok(Self {
            http: builder.build().context("building the HTTP client")?,
            base: global.http_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The bytes of `artifact`, refused unless their sha256 is the recorded one.
    pub async fn fetch(&self, artifact: &SignedArtifact) -> anyhow::Result<Vec<u8>> {
        let url = if artifact.url.starts_with('/') {
            format!("{}{}", self.base, artifact.url)
        } else {
            artifact.url.clone()
        };
        let shown = url.split('?').next().unwrap_or_default().to_owned();
        let answer = self.http.get(&url).send().await.with_context(|| {
            format!("cannot download {shown}; is --http-url (JETCRAWL_HTTP_URL) the gateway's HTTP address?")
        })?;
        let status = answer.status();
        if !status.is_success() {
            let body = answer.text().await.unwrap_or_default();
            let detail = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|problem| problem["detail"].as_str().map(str::to_owned))
                .unwrap_or(body);
            anyhow::bail!("downloading {shown}: HTTP {status}: {detail}");
        }
        let bytes = answer
            .bytes()
            .await
            .with_context(|| format!("downloading {shown}"))?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        anyhow::ensure!(
            artifact.sha256.is_empty() || sha256 == artifact.sha256,
            "{} arrived damaged: sha256 {sha256}, the gateway recorded {}; download it again",
            artifact.name,
            artifact.sha256
        );
        Ok(bytes.to_vec())
    }
}
