//! Credentials for tests: the gateway refuses anonymous calls, so clients send an API
//! key minted by [`crate::Stack::mint_api_key`].

use jetcrawl_proto::v1::jobs_client::JobsClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// A Jobs client that sends a credential with every call.
pub type JobsApiClient = JobsClient<InterceptedService<Channel, BearerAuth>>;

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct BearerAuth(MetadataValue<Ascii>);

impl BearerAuth {
    /// The interceptor for `token` (an API key or a JWT).
    pub fn new(token: &str) -> anyhow::Result<Self> {
        Ok(Self(format!("Bearer {token}").parse()?))
    }
}

impl tonic::service::Interceptor for BearerAuth {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// A Jobs client on `grpc_url` sending `token`.
pub async fn jobs_client(grpc_url: &str, token: &str) -> anyhow::Result<JobsApiClient> {
    let channel = Channel::from_shared(grpc_url.to_owned())?.connect().await?;
    Ok(JobsClient::with_interceptor(
        channel,
        BearerAuth::new(token)?,
    ))
}

/// An HTTP client that sends `token` with every request.
pub fn http_client_with_key(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    Ok(crate::http::client_builder()
        .default_headers(headers)
        .build()?)
}
