//! `jetcrawl up`: nats-server with JetStream, a Postgres cluster, and the gateway, a
//! worker, the projector, the notifier and the reporter in this process, all on
//! loopback, until Ctrl-C.

use std::time::Duration;

use anyhow::Context;
use jetcrawl_local::{
    ClusterOptions, NatsCluster, NatsOptions, NatsServer, Postgres, PostgresOptions,
};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::up_settings::{Settings, Started};
use super::{demo, dev_keys};
use crate::args::UpArgs;

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let level = if args.verbose { "info" } else { "warn" };
    jetcrawl_telemetry::init_tracing_at("jetcrawl-up", level);
    jetcrawl_telemetry::install_metrics();
    let mut settings = Settings::from_env(&args)?;
    ports_free(&args)?;
    std::fs::create_dir_all(&args.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            args.data_dir.display()
        )
    })?;
    let data_dir = std::fs::canonicalize(&args.data_dir)?;

    let nats = EventLog::start(&args, &data_dir).await?;
    let postgres = Postgres::start(PostgresOptions {
        data_dir: Some(data_dir.join("postgres")),
        ..PostgresOptions::default()
    })
    .await
    .context("starting Postgres")?;

    settings.point_at(&Started {
        nats_url: &nats.url(),
        database_url: &postgres.url(),
        replicas: nats.replicas(),
        data_dir: &data_dir,
    })?;
    let Settings {
        gateway,
        worker,
        notifier,
        projector,
        reporter,
    } = settings;
    let admin = super::admin::AdminArgs {
        database: jetcrawl_projections::DatabaseArgs::new(postgres.url()),
        topology: gateway.topology.clone(),
        retention: gateway.retention.clone(),
    };
    for change in super::admin::apply(&jetcrawl_streams::NatsArgs::new(nats.url()), &admin).await? {
        tracing::info!(%change, "jetcrawl admin apply");
    }

    let stop = CancellationToken::new();
    let mut services = JoinSet::new();
    let token = stop.clone();
    services.spawn(async move {
        jetcrawl_gateway::run(gateway, token.cancelled_owned())
            .await
            .context("gateway")
    });
    let token = stop.clone();
    services.spawn(async move {
        jetcrawl_worker::run(worker, token.cancelled_owned())
            .await
            .context("worker")
    });
    let token = stop.clone();
    services.spawn(async move {
        jetcrawl_notifier::run(notifier, token.cancelled_owned())
            .await
            .context("notifier")
    });
    let token = stop.clone();
    services.spawn(async move {
        jetcrawl_projector::run(projector, token.cancelled_owned())
            .await
            .context("projector")
    });
    let token = stop.clone();
    services.spawn(async move {
        jetcrawl_reporter::run(reporter, token.cancelled_owned())
            .await
            .context("reporter")
    });

    print_addresses(&args, &nats, &postgres, &data_dir);
    // A service that fails at start (a busy port, a bad flag) must say so at once
    // rather than leave the readiness wait to time out.
    tokio::select! {
        ready = demo::wait_ready(args.http_addr, Duration::from_secs(60)) => ready?,
        Some(done) = services.join_next() => {
            stop.cancel();
            match done {
                Ok(Err(err)) => anyhow::bail!("{err:#}"),
                other => anyhow::bail!("a service stopped during start-up: {other:?}"),
            }
        }
    }
    let keys = dev_keys::ensure(&nats.url(), &data_dir).await?;
    dev_keys::print(&keys, &data_dir);
    print_exports(&args, &nats.url());
    eprintln!("jetcrawl is up. Ctrl-C stops everything.");

    let outcome = if args.demo {
        demo::run(&args, &nats.url(), &keys.client).await
    } else {
        Ok(())
    };
    if outcome.is_ok() && !args.exit_after_demo {
        tokio::select! {
            () = jetcrawl_telemetry::shutdown_signal() => {}
            Some(done) = services.join_next() => eprintln!("a service stopped on its own: {done:?}"),
        }
    }
    stop.cancel();
    eprintln!("stopping services…");
    let _ = tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(done) = services.join_next().await {
            if let Ok(Err(err)) = done {
                eprintln!("{err:#}");
            }
        }
    })
    .await;
    jetcrawl_telemetry::flush_traces().await;
    drop(postgres);
    drop(nats);
    eprintln!("stopped.");
    outcome
}

/// Refuses at once, before anything starts, when a port `up` needs is taken: otherwise
/// its readiness probe could reach the other process and report the platform up.
fn ports_free(args: &UpArgs) -> anyhow::Result<()> {
    let mut wanted = vec![
        ("--grpc-addr", "the gateway's gRPC", args.grpc_addr),
        ("--http-addr", "the gateway's HTTP", args.http_addr),
    ];
    if !args.cluster {
        let nats = std::net::SocketAddr::from(([127, 0, 0, 1], args.nats_port));
        wanted.push(("--nats-port", "nats-server's client", nats));
    }
    for (flag, what, addr) in wanted {
        std::net::TcpListener::bind(addr).map_err(|err| {
            anyhow::anyhow!(
                "{addr} ({what} port) is not free: {err}; stop what listens there or choose another with {flag}"
            )
        })?;
    }
    Ok(())
}

/// The `export` lines a client in another shell needs when `up` does not run on the
/// default addresses the CLI assumes.
fn print_exports(args: &UpArgs, nats_url: &str) {
    let defaults = UpArgs::default_addresses();
    if args.grpc_addr != defaults.grpc {
        eprintln!(
            "          export JETCRAWL_GATEWAY=http://{}",
            args.grpc_addr
        );
    }
    if args.http_addr != defaults.http {
        eprintln!(
            "          export JETCRAWL_HTTP_URL=http://{}",
            args.http_addr
        );
    }
    if args.cluster || args.nats_port != defaults.nats_port {
        eprintln!("          export JETCRAWL_NATS_URL={nats_url}");
    }
}

/// The local event log: one node fsyncing every write, or a 3-node R3 cluster.
enum EventLog {
    Single(NatsServer),
    Cluster(NatsCluster),
}

impl EventLog {
    async fn start(args: &UpArgs, data_dir: &std::path::Path) -> anyhow::Result<Self> {
        if args.cluster {
            // Replication is the durability: two of three zones hold every ack (ADR 29).
            let cluster = NatsCluster::start(ClusterOptions {
                data_dir: Some(data_dir.join("nats-cluster")),
                ..ClusterOptions::default()
            })
            .await
            .context("starting the 3-node nats-server cluster")?;
            return Ok(Self::Cluster(cluster));
        }
        // One machine, no replica: every acknowledged write is fsynced (ADR 29).
        let server = NatsServer::start(NatsOptions {
            data_dir: Some(data_dir.join("nats")),
            port: Some(args.nats_port),
            sync_always: true,
            ..Default::default()
        })
        .await
        .context("starting nats-server")?;
        Ok(Self::Single(server))
    }

    fn url(&self) -> String {
        match self {
            Self::Single(server) => server.url(),
            Self::Cluster(cluster) => cluster.urls(),
        }
    }

    fn replicas(&self) -> u8 {
        match self {
            Self::Single(_) => 1,
            Self::Cluster(_) => 3,
        }
    }

    fn monitor(&self) -> String {
        match self {
            Self::Single(server) => server.monitor_url(),
            Self::Cluster(cluster) => (0..cluster.len())
                .map(|i| cluster.monitor_url(i))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

fn print_addresses(
    args: &UpArgs,
    nats: &EventLog,
    postgres: &Postgres,
    data_dir: &std::path::Path,
) {
    eprintln!("nats      {} (monitor {})", nats.url(), nats.monitor());
    eprintln!("postgres  {}", postgres.url());
    eprintln!(
        "gateway   grpc http://{}  http http://{}",
        args.grpc_addr, args.http_addr
    );
    eprintln!("metrics   http://{}/metrics", args.http_addr);
    eprintln!("data      {}", data_dir.display());
}
