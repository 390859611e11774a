//! `jetcrawl admin apply | verify`: the one owner of the infrastructure. `apply` creates
//! and updates every JetStream stream, bucket and consumer and runs the Postgres
//! migrations, from one configuration; `verify` reports differences and changes nothing.
//! Services only verify, and name this command when they refuse to start.

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jetcrawl_projections::DatabaseArgs;
use jetcrawl_results::RetentionConfig;
use jetcrawl_streams::{NatsArgs, Topology, TopologyArgs};
use serde_json::json;
use sqlx::postgres::PgPoolOptions;

use crate::args::{Global, Output};

/// Infrastructure commands (talk to NATS and Postgres directly: an operator's tool).
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create or update the JetStream topology and migrate the Postgres schema.
    Apply(AdminArgs),
    /// Compare the running topology and schema with this build's; change nothing.
    Verify(AdminArgs),
}

/// What both commands read.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Postgres of the read models; the schema step is skipped without one.
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub topology: TopologyArgs,
    #[command(flatten)]
    pub retention: RetentionConfig,
}

impl AdminArgs {
    /// The topology these settings describe, results kept for the configured retention.
    pub fn topology(&self) -> Topology {
        Topology {
            results_max_age: self.retention.retention().bucket_max_age(),
            ..self.topology.topology()
        }
    }
}

pub async fn run(global: &Global, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Apply(args) => {
            let changes = apply(&global.nats, &args).await?;
            report(global, "applied", &changes);
        }
        AdminCommand::Verify(args) => verify(&global.nats, &args).await?,
    }
    Ok(())
}

/// JetStream, with the credentials and TLS settings of `nats`.
async fn connect(nats: &NatsArgs) -> anyhow::Result<async_nats::jetstream::Context> {
    let (_client, js) = nats.connect("jetcrawl-admin").await.with_context(|| {
        format!(
            "connecting to NATS at {} (check JETCRAWL_NATS_URL and JETCRAWL_NATS_CREDS)",
            nats.url
        )
    })?;
    Ok(js)
}

/// Applies the topology to NATS and the migrations to Postgres; returns what changed.
pub async fn apply(nats: &NatsArgs, args: &AdminArgs) -> anyhow::Result<Vec<String>> {
    let js = connect(nats).await?;
    let mut changes = args
        .topology()
        .apply(&js)
        .await
        .context("applying the JetStream topology")?;
    if args.database.is_set() {
        let pool = pool(&args.database).await?;
        if jetcrawl_projections::verify_schema(&pool).await.is_err() {
            changes.push("Postgres schema: migrated".to_owned());
        }
        jetcrawl_projections::migrate(&pool)
            .await
            .context("migrating the Postgres schema")?;
    }
    Ok(changes)
}

async fn verify(nats: &NatsArgs, args: &AdminArgs) -> anyhow::Result<()> {
    let js = connect(nats).await?;
    args.topology().verify(&js).await?;
    if args.database.is_set() {
        jetcrawl_projections::verify_schema(&pool(&args.database).await?).await?;
    }
    outln!("the topology and the schema match this build");
    Ok(())
}

async fn pool(database: &DatabaseArgs) -> anyhow::Result<sqlx::PgPool> {
    PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(database.connect_options()?)
        .await
        .context("connecting to Postgres (check JETCRAWL_DATABASE_URL)")
}

fn report(global: &Global, verb: &str, changes: &[String]) {
    match global.output {
        Output::Json => outln!("{}", json!({ verb: changes })),
        Output::Text if changes.is_empty() => {
            outln!("the topology and the schema were up to date")
        }
        Output::Text => {
            for change in changes {
                outln!("{change}");
            }
        }
    }
}
