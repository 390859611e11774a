//! `jetcrawl`: run the platform locally, submit jobs and inspect them.

/// `println!` that ends quietly on a closed pipe (see [`output::line`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

mod agent_output;
mod args;
mod cli;
mod commands;
mod exit;
mod output;
mod spec;
mod table;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest (downloads) and tonic (TLS to the gateway) share this provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = cli::Cli::parse();
    let format = cli.global.output;
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => exit::report(&err, format),
    }
}

async fn run(cli: cli::Cli) -> anyhow::Result<()> {
    let global = &cli.global;
    match cli.command {
        cli::Command::Up(args) => commands::up::run(args).await,
        cli::Command::Submit(args) => commands::submit::run(global, *args).await,
        cli::Command::Mcp => commands::mcp::run(global).await,
        cli::Command::Get(args) => commands::get::run(global, args).await,
        cli::Command::List(args) => commands::list::run(global, args).await,
        cli::Command::Cancel(args) => commands::cancel::run(global, args).await,
        cli::Command::Result(args) => commands::result::run(global, args).await,
        cli::Command::Watch(args) => commands::watch::run(global, args).await,
        cli::Command::Crawl(args) => commands::crawl::run(global, *args).await,
        cli::Command::Map(args) => commands::crawl::map(global, args).await,
        cli::Command::Admin(command) => commands::admin::run(global, command).await,
        cli::Command::Keys(command) => commands::keys::run(global, command).await,
        cli::Command::Dlq(command) => commands::dlq::run(global, command).await,
        cli::Command::Audit(command) => commands::audit::run(global, command).await,
        cli::Command::Projections(command) => commands::projections::run(global, command).await,
        cli::Command::Webhooks(command) => commands::webhooks::run(global, command).await,
        cli::Command::Subjects(command) => commands::subjects::run(global, command).await,
        cli::Command::Retention(command) => commands::retention::run(global, command).await,
        cli::Command::Report(args) => commands::report::run(global, args).await,
        cli::Command::Domains(args) => commands::domains::run(global, args).await,
        cli::Command::Robots(command) => commands::robots::run(global, command).await,
    }
}
