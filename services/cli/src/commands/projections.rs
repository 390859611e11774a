//! `jetcrawl projections rebuild`: replays the JOBS stream into a fresh copy of the read
//! models and swaps it in atomically while the old tables keep serving (talks to NATS
//! and Postgres directly: an operator's tool).

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::{Global, Output};

/// Read-model commands.
#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Rebuild every read model from the stream, then swap it in.
    Rebuild(RebuildArgs),
}

#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// Postgres URL of the read models.
    #[arg(long, env = "JETCRAWL_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Messages applied per transaction while replaying.
    #[arg(long, default_value_t = 2000)]
    pub batch: usize,
}

pub async fn run(global: &Global, command: ProjectionsCommand) -> anyhow::Result<()> {
    let ProjectionsCommand::Rebuild(args) = command;
    let report =
        jetcrawl_projector::rebuild(&global.nats_url, &args.database_url, args.batch).await?;
    match global.output {
        Output::Json => println!(
            "{}",
            json!({
                "schema": report.schema,
                "replayed": report.replayed,
                "checkpoints": report.checkpoints.iter().map(|(n, c)| json!({"projection": n, "checkpoint": c})).collect::<Vec<_>>(),
                "seconds": report.seconds,
            })
        ),
        Output::Text => {
            println!(
                "rebuilt the read models in schema {} from {} messages in {:.1} s; the old tables are in {}",
                report.schema, report.replayed, report.seconds, report.previous_schema
            );
            for (name, checkpoint) in &report.checkpoints {
                println!("  {name:<14} checkpoint {checkpoint}");
            }
        }
    }
    Ok(())
}
