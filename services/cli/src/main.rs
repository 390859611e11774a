//! `jetcrawl`: run the platform locally, submit jobs and inspect them.

mod args;
mod cli;
mod commands;
mod output;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Up(args) => commands::up::run(args).await,
        cli::Command::Submit(args) => commands::submit::run(&cli.global, args).await,
        cli::Command::Get(args) => commands::get::run(&cli.global, args).await,
        cli::Command::Watch(args) => commands::watch::run(&cli.global, args).await,
        cli::Command::Admin(command) => commands::admin::run(&cli.global, command).await,
        cli::Command::Keys(command) => commands::keys::run(&cli.global, command).await,
        cli::Command::Dlq(command) => commands::dlq::run(&cli.global, command).await,
        cli::Command::Audit(command) => commands::audit::run(&cli.global, command).await,
        cli::Command::Projections(command) => {
            commands::projections::run(&cli.global, command).await
        }
        cli::Command::Webhooks(command) => commands::webhooks::run(&cli.global, command).await,
        cli::Command::Subjects(command) => commands::subjects::run(&cli.global, command).await,
        cli::Command::Retention(command) => commands::retention::run(&cli.global, command).await,
        cli::Command::Report(args) => commands::report::run(&cli.global, args).await,
        cli::Command::Domains(args) => commands::domains::run(&cli.global, args).await,
        cli::Command::Robots(command) => commands::robots::run(&cli.global, command).await,
    }
}
