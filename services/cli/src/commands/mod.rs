//! One module per command.

pub mod admin;
pub mod audit;
pub mod cancel;
pub mod crawl;
pub mod demo;
pub mod dev_keys;
pub mod dlq;
pub mod domains;
pub mod get;
pub mod key_audit;
pub mod keys;
pub mod list;
pub mod mcp;
pub mod projections;
pub mod report;
pub mod result;
pub mod result_fetch;
pub mod result_keys;
pub mod retention;
pub mod robots;
pub mod subjects;
pub mod submit;
pub mod up;
pub mod up_settings;
pub mod watch;
pub mod webhooks;

use anyhow::Context;
use jetcrawl_proto::v1::jobs_client::JobsClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::args::Global;
use crate::exit::{GatewayStatus, Unreachable};

/// A Jobs client that sends the credential with every call.
pub type Jobs = JobsClient<InterceptedService<Channel, Bearer>>;

/// Adds `authorization: Bearer <key>` to every request (when a key is set).
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

impl Bearer {
    /// The interceptor for `key` (API key or JWT).
    pub fn new(key: Option<&str>) -> anyhow::Result<Self> {
        key.filter(|key| !key.trim().is_empty())
            .map(|key| {
                format!("Bearer {key}").parse().map_err(|_| {
                    anyhow::anyhow!(
                        "the API key holds characters a header cannot carry; copy it again"
                    )
                })
            })
            .transpose()
            .map(Self)
    }
}

/// Connects to the gateway (TLS when `--ca` is given or the URL is https), with a hint
/// when nothing listens there.
pub async fn client(global: &Global) -> anyhow::Result<Jobs> {
    Ok(JobsClient::with_interceptor(
        channel(global).await?,
        Bearer::new(global.api_key.as_deref())?,
    ))
}

/// A channel to the gateway, for any of its services.
pub async fn channel(global: &Global) -> anyhow::Result<Channel> {
    let gateway = &global.gateway;
    let mut endpoint = Endpoint::from_shared(gateway.clone())
        .with_context(|| format!("{gateway} is not a gateway URL; use http(s)://HOST:PORT"))?;
    if global.ca.is_some() || gateway.starts_with("https://") {
        let mut tls = ClientTlsConfig::new().with_enabled_roots();
        if let Some(ca) = &global.ca {
            let pem = std::fs::read(ca)
                .with_context(|| format!("reading the CA certificate {}", ca.display()))?;
            tls = tls.ca_certificate(Certificate::from_pem(pem));
        }
        endpoint = endpoint
            .tls_config(tls)
            .context("configuring TLS towards the gateway")?;
    }
    endpoint
        .connect()
        .await
        .map_err(|err| anyhow::Error::new(err).context(Unreachable(gateway.clone())))
}

/// Turns a gRPC status into an error that keeps its code (for the exit code) and the
/// gateway's message.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::Error::new(GatewayStatus::from(status))
}
