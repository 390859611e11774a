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

/// The NATS URL when none is configured.
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

/// How every service reaches NATS, declared once and flattened into each service's
/// configuration: the URL and the files holding its credentials and TLS material.
#[derive(Debug, Clone, clap::Args)]
pub struct NatsArgs {
    /// NATS server URL; for a cluster, its nodes' URLs separated by commas.
    #[arg(
        id = "nats_url",
        long = "nats-url",
        global = true,
        env = "JETCRAWL_NATS_URL",
        default_value = DEFAULT_NATS_URL
    )]
    pub url: String,
    /// NATS `.creds` file (user JWT and nkey seed).
    #[arg(
        id = "nats_creds",
        long = "nats-creds",
        global = true,
        env = "JETCRAWL_NATS_CREDS"
    )]
    pub creds: Option<PathBuf>,
    /// CA (PEM) of the NATS server certificate; turns TLS on.
    #[arg(
        id = "nats_tls_ca",
        long = "nats-tls-ca",
        global = true,
        env = "JETCRAWL_NATS_TLS_CA"
    )]
    pub tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for NATS mutual TLS.
    #[arg(
        id = "nats_tls_cert",
        long = "nats-tls-cert",
        global = true,
        env = "JETCRAWL_NATS_TLS_CERT"
    )]
    pub tls_cert: Option<PathBuf>,
    /// Key (PEM) of `--nats-tls-cert`.
    #[arg(
        id = "nats_tls_key",
        long = "nats-tls-key",
        global = true,
        env = "JETCRAWL_NATS_TLS_KEY"
    )]
    pub tls_key: Option<PathBuf>,
}

impl Default for NatsArgs {
    fn default() -> Self {
        Self::new(DEFAULT_NATS_URL)
    }
}

impl NatsArgs {
    /// `url` without credentials or TLS.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            creds: None,
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
        }
    }

    /// The credentials and TLS settings.
    pub fn security(&self) -> NatsSecurity {
        NatsSecurity {
            creds_file: self.creds.clone(),
            tls_ca_file: self.tls_ca.clone(),
            tls_client_cert: self.tls_cert.clone(),
            tls_client_key: self.tls_key.clone(),
            require_tls: self.tls_ca.is_some(),
        }
    }

    /// Connects as `name`.
    pub async fn connect(&self, name: &str) -> Result<(async_nats::Client, Context), StoreError> {
        connect_secure(&self.url, name, &self.security()).await
    }

    /// Connects as `name`, then verifies `topology`: how a service that needs the event
    /// log starts. While JetStream does not answer (a server still starting, a cluster
    /// electing its leaders) it checks again for up to
    /// [`STARTUP_PATIENCE`](crate::topology::STARTUP_PATIENCE). A failure names the URL
    /// and the variable to check, or what differs and the command that fixes it.
    pub async fn connect_verified(
        &self,
        name: &str,
        topology: &crate::Topology,
    ) -> Result<(async_nats::Client, Context), StoreError> {
        let (client, js) = self.connect(name).await.map_err(|err| {
            StoreError::unavailable_while(
                format!(
                    "connecting to NATS at {} (check JETCRAWL_NATS_URL)",
                    self.url
                ),
                err,
            )
        })?;
        topology
            .verify_patiently(&js, crate::topology::STARTUP_PATIENCE)
            .await?;
        Ok((client, js))
    }
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
            StoreError::unavailable_while(
                format!("cannot read the NATS credentials file {}", creds.display()),
                err,
            )
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
            return Err(StoreError::unavailable_while(
                "NATS client certificate",
                "it needs both its certificate and its key file",
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
            StoreError::unavailable_while(format!("cannot connect to NATS at {url}"), err)
        })?;
    let js = jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(5))
        .max_ack_inflight(20_000)
        .build(client.clone());
    Ok((client, js))
}
