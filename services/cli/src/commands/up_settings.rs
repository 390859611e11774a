//! The services' settings under `jetcrawl up`: each service reads the same flags'
//! variables (`JETCRAWL_*`) as when it runs alone, then `up` sets only what it owns —
//! the addresses of the NATS and Postgres it started, its listeners, the replicas of its
//! event log, the development signing key when none is configured, and loopback access
//! for `--demo` or `--allow-private-targets`.

use std::path::Path;

use anyhow::Context;
use clap::Parser;
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_notifier::NotifierConfig;
use jetcrawl_projector::ProjectorConfig;
use jetcrawl_reporter::ReporterConfig;
use jetcrawl_streams::TopologyArgs;
use jetcrawl_worker::WorkerConfig;

use super::result_keys;
use crate::args::UpArgs;

/// Every service's settings for one `up`.
pub struct Settings {
    pub gateway: GatewayConfig,
    pub worker: WorkerConfig,
    pub notifier: NotifierConfig,
    pub projector: ProjectorConfig,
    pub reporter: ReporterConfig,
}

/// What `up` started, which every service is pointed at.
pub struct Started<'a> {
    pub nats_url: &'a str,
    pub database_url: &'a str,
    /// Replicas of every stream and bucket: 1 on one node, 3 on the local cluster.
    pub replicas: u8,
    pub data_dir: &'a Path,
}

/// The projector binary's flags are its config plus its metrics address.
#[derive(Parser)]
#[command(name = "jetcrawl-projector")]
struct ProjectorFlags {
    #[command(flatten)]
    projector: ProjectorConfig,
}

impl Settings {
    /// Reads every service's variables, as its binary would: called before anything
    /// starts, so a bad value stops `up` at once.
    pub fn from_env(args: &UpArgs) -> anyhow::Result<Self> {
        let mut settings = Self {
            gateway: from_env("jetcrawl-gateway")?,
            worker: from_env("jetcrawl-worker")?,
            notifier: from_env("jetcrawl-notifier")?,
            projector: from_env::<ProjectorFlags>("jetcrawl-projector")?.projector,
            reporter: from_env("jetcrawl-reporter")?,
        };
        let Self {
            gateway,
            worker,
            notifier,
            ..
        } = &mut settings;
        gateway.grpc_addr = args.grpc_addr;
        gateway.http_addr = args.http_addr;
        // Local development: reflection for grpcurl, plaintext on loopback unless
        // certificates are configured.
        gateway.grpc_reflection = true;
        if gateway.tls.tls_cert.is_none() {
            gateway.tls.insecure_plaintext = true;
        }
        // The demo targets a page on loopback, which the services refuse by default; a
        // developer testing against a local site asks for it.
        if args.demo || args.allow_private_targets {
            gateway.allow_private_targets = true;
            worker.allow_private_targets = true;
            notifier.allow_private_targets = true;
        }
        if worker.worker_id.is_empty() {
            worker.worker_id = "up-worker-1".to_owned();
        }
        if let Some(tabs) = args.tabs {
            worker.tabs = tabs;
        }
        Ok(settings)
    }

    /// Points every service at what `up` started.
    pub fn point_at(&mut self, started: &Started<'_>) -> anyhow::Result<()> {
        // Every service checks the topology at start: all read the same one.
        let mut topology: TopologyArgs = self.gateway.topology.clone();
        topology.replicas = started.replicas;
        let nats = jetcrawl_streams::NatsArgs::new(started.nats_url);
        let database = jetcrawl_projections::DatabaseArgs::new(started.database_url);
        let signing = result_keys::ensure(
            started.data_dir,
            self.gateway.signing.clone(),
            format!("http://{}", self.gateway.http_addr),
        )?;

        let gateway = &mut self.gateway;
        gateway.nats = nats.clone();
        gateway.database = database.clone();
        gateway.topology = topology.clone();
        gateway.signing = signing.clone();

        let worker = &mut self.worker;
        worker.nats = nats.clone();
        worker.topology = topology.clone();

        let notifier = &mut self.notifier;
        notifier.nats = nats.clone();
        notifier.topology = topology.clone();
        notifier.signing = signing;
        // Retention of audit and log rows runs where the audit log is.
        notifier.rgpd_retention.database = database.clone();

        let projector = &mut self.projector;
        projector.nats = nats.clone();
        projector.database = database.clone();
        projector.topology = topology.clone();

        let reporter = &mut self.reporter;
        reporter.nats = nats;
        reporter.database = database;
        reporter.topology = topology;
        Ok(())
    }
}

/// A service's settings from its `JETCRAWL_*` variables and defaults alone.
fn from_env<T: Parser>(binary: &str) -> anyhow::Result<T> {
    T::try_parse_from([binary]).with_context(|| {
        format!("reading the {binary} settings from the environment (see `{binary} --help`)")
    })
}
