//! `jetcrawl projections rebuild`: replays the JOBS stream into a fresh copy of the read
//! models and swaps it in atomically while the old tables keep serving (talks to NATS
//! and Postgres directly: an operator's tool).

use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::{Global, Output};

/// Read-model commands.
#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Rebuild every read model from the stream, then swap it in.
    Rebuild(RebuildArgs),
}

#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// Postgres of the read models.
    #[command(flatten)]
    pub database: jetcrawl_projections::DatabaseArgs,
    /// Messages applied per transaction while replaying.
    #[arg(long, default_value_t = 2000)]
    pub batch: usize,
    /// Accept the JOBS stream as it is now although the read models were built from
    /// another one (it came back shorter after a power cut, reuses sequences, or was
    /// recreated): rebuild them from it, even behind their checkpoints. The recovery of
    /// docs/reliability-recovery.md when the stream is not restored from a backup.
    #[arg(long)]
    pub accept_stream: bool,
}

pub async fn run(global: &Global, command: ProjectionsCommand) -> anyhow::Result<()> {
    let ProjectionsCommand::Rebuild(args) = command;
    let options = jetcrawl_projector::RebuildOptions {
        batch_size: args.batch,
        accept_stream: args.accept_stream,
    };
    let report = jetcrawl_projector::rebuild(&global.nats, &args.database, options).await?;
    match global.output {
        Output::Json => outln!(
            "{}",
            json!({
                "schema": report.schema,
                "replayed": report.replayed,
                "checkpoints": report.checkpoints.iter().zip(&report.previous_checkpoints).map(|((n, c), (_, was))| json!({"projection": n, "checkpoint": c, "previous_checkpoint": was})).collect::<Vec<_>>(),
                "accepted_stream": report.accepted,
                "seconds": report.seconds,
            })
        ),
        Output::Text => {
            outln!(
                "rebuilt the read models in schema {} from {} messages in {:.1} s; the old tables are in {}",
                report.schema,
                report.replayed,
                report.seconds,
                report.previous_schema
            );
            for ((name, checkpoint), (_, was)) in
                report.checkpoints.iter().zip(&report.previous_checkpoints)
            {
                outln!("  {name:<14} checkpoint {checkpoint} (was {was})");
            }
            for cause in &report.accepted {
                outln!("accepted the stream as it is now: {cause}");
            }
        }
    }
    Ok(())
}
