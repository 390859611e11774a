//! One module per command.

pub mod demo;
pub mod get;
pub mod result;
pub mod submit;
pub mod up;
pub mod watch;

use anyhow::Context;
use jetcrawl_proto::v1::jobs_client::JobsClient;
use tonic::transport::Channel;

/// Connects to the gateway, with a hint when nothing listens there.
pub async fn client(gateway: &str) -> anyhow::Result<JobsClient<Channel>> {
    JobsClient::connect(gateway.to_owned())
        .await
        .with_context(|| {
            format!("cannot reach the gateway at {gateway}; is `jetcrawl up` running?")
        })
}

/// Turns a gRPC status into an error that keeps its code and message.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{:?}: {}", status.code(), status.message())
}
