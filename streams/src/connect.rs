//! Connecting to NATS with the options every Jetcrawl service uses.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::jetstream::{self, Context};

use crate::error::StoreError;

/// How a service proves itself to NATS and protects the connection, each secret read
/// from a file so it never sits in an environment variable or a process listing.
#[derive(Debug, Clone, Default)]
pub struct NatsSecurity {
    /// A NATS `.creds` file (user JWT + nkey seed).
    pub creds_file: Option<PathBuf>,
    /// CA bundle (PEM) that signed the server's certificate; implies TLS.
    pub tls_ca_file: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS; needs `tls_client_key`.
    pub tls_client_cert: Option<PathBuf>,
    /// Key of `tls_client_cert` (PEM).
    pub tls_client_key: Option<PathBuf>,
    /// Refuse a server that does not offer TLS.
    pub require_tls: bool,
}

/// Connects to `url` (one server, or a comma-separated list of a cluster's servers) as
/// `name` and returns the client and its JetStream context.
/// The ack window is raised so pipelined publishers never stall at the default 5,000.
pub async fn connect(url: &str, name: &str) -> Result<(async_nats::Client, Context), StoreError> {
    connect_secure(url, name, &NatsSecurity::default()).await
}

/// [`connect`], then verifies `topology`: how a service that needs the event log starts.
/// A failure names the URL and the variable to check, or what differs and the command
/// that fixes it.
pub async fn connect_verified(
    url: &str,
    name: &str,
    topology: &crate::Topology,
) -> Result<(async_nats::Client, Context), StoreError> {
    let (client, js) = connect(url, name).await.map_err(|err| {
        StoreError::Unavailable(format!(
            "connecting to NATS at {url} (check JETCRAWL_NATS_URL): {err}"
        ))
    })?;
    topology.verify(&js).await?;
    Ok((client, js))
}

/// [`connect`] with credentials and TLS taken from `security`.
pub async fn connect_secure(
    url: &str,
    name: &str,
    security: &NatsSecurity,
) -> Result<(async_nats::Client, Context), StoreError> {
    let mut options = async_nats::ConnectOptions::new();
    if let Some(creds) = &security.creds_file {
        options = options.credentials_file(creds).await.map_err(|err| {
            StoreError::Unavailable(format!(
                "cannot read the NATS credentials file {}: {err}",
                creds.display()
            ))
        })?;
    }
    if let Some(ca) = &security.tls_ca_file {
        options = options.add_root_certificates(ca.clone()).require_tls(true);
    }
    match (&security.tls_client_cert, &security.tls_client_key) {
        (Some(cert), Some(key)) => {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        (None, None) => {}
        _ => {
            return Err(StoreError::Unavailable(
                "a NATS client certificate needs both its certificate and its key file".into(),
            ));
        }
    }
    if security.require_tls {
        options = options.require_tls(true);
    }
    // A cluster is given as a comma-separated list: any live node lets the service
    // start, and the client fails over to the others (it also learns them from the
    // cluster's gossip once connected).
    let servers: Vec<&str> = url
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let client = options
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .retry_on_initial_connect()
        .connect(servers)
        .await
        .map_err(|err| {
            StoreError::Unavailable(format!("cannot connect to NATS at {url}: {err}"))
        })?;
    let js = jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(5))
        .max_ack_inflight(20_000)
        .build(client.clone());
    Ok((client, js))
}
