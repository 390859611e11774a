//! gRPC clients of the gateway, one HTTP/2 connection each.

use std::sync::Arc;

use anyhow::Context as _;
use futures::{StreamExt as _, TryStreamExt as _};
use jetcrawl_proto::v1::jobs_client::JobsClient;
use jetcrawl_proto::v1::{RenderMode, SubmitJobRequest};
use jetcrawl_tests::{BearerAuth, JobsApiClient};
use tonic::transport::Endpoint;

use crate::jobs;
use crate::load::{self, Send};

/// `n` clients, each on its own connection to `grpc_url`, sending `api_key`.
pub async fn connect(
    grpc_url: &str,
    api_key: &str,
    n: usize,
) -> anyhow::Result<Vec<JobsApiClient>> {
    let auth = BearerAuth::new(api_key)?;
    let endpoint = Endpoint::from_shared(grpc_url.to_owned())
        .with_context(|| format!("parsing the gRPC URL {grpc_url}"))?
        .tcp_nodelay(true);
    futures::stream::iter(0..n)
        .map(|_| {
            let (endpoint, auth) = (endpoint.clone(), auth.clone());
            async move {
                let channel = endpoint
                    .connect()
                    .await
                    .with_context(|| format!("connecting to the gateway at {grpc_url}"))?;
                anyhow::Ok(JobsClient::with_interceptor(channel, auth))
            }
        })
        .buffer_unordered(32)
        .try_collect()
        .await
}

/// SubmitJob of a one-page http job for `url`; a failure is named by its gRPC code.
pub fn submit(url: &str) -> Send<JobsApiClient> {
    let spec = jobs::spec(url, RenderMode::Http);
    Arc::new(move |client: &JobsApiClient| {
        let mut client = client.clone();
        let request = SubmitJobRequest {
            spec: Some(spec.clone()),
            idempotency_key: String::new(),
        };
        load::boxed(async move {
            client
                .submit_job(request)
                .await
                .map(|_| ())
                .map_err(|status| {
                    // The code is what the report counts; the message says why.
                    tracing::warn!(
                        code = ?status.code(),
                        message = status.message(),
                        "a submit failed"
                    );
                    format!("{:?}", status.code())
                })
        })
    })
}
