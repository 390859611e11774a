//! `jetcrawl-bench`: measures every hot path of Jetcrawl against its raw ceiling in the
//! same run, on the same machine, and writes a Markdown and JSON report.
//!
//! It starts its own platform (Postgres, a nats-server per scenario family, the fixture
//! site) and the real service binaries, then runs the scenarios of issue 8: the submit
//! path against raw JetStream publishes, the projector against batched UNNEST inserts,
//! the worker against bare reqwest and headless_chrome loops, end to end, and the cost
//! of `sync_interval: always` and of a 3-node R3 cluster; then the whole platform
//! against Crawlee on the same pages (issue 19); and, when named, agent jobs with the
//! real local model against the model alone (issue 16). Each scenario repeats; the
//! report gives medians and the median of the per-repeat ratios to the baseline, because
//! these machines are noisy.
//!
//! Errors are `anyhow` with context: like `jetcrawl-local`, every failure here is an
//! environment problem a person reads (a binary not built, a server that did not
//! start), never one a caller branches on.

pub mod agent;
pub mod args;
pub mod cluster;
pub mod deployment;
pub mod e2e;
pub mod jobs;
pub mod load;
pub mod machine;
pub mod peers;
pub mod procfs;
pub mod projector;
pub mod pss;
pub mod report;
pub mod stack;
pub mod stats;
pub mod submit;
pub mod workers;

use std::time::Instant;

use anyhow::Context as _;

pub use args::{BenchArgs, Preset, Sizes};
pub use report::Report;

use crate::deployment::Deployment;
use crate::machine::Machine;
use crate::report::Collector;
use crate::stack::BenchStack;

/// Runs every selected scenario `sizes.repeats` times and builds the report.
pub async fn run(sizes: &Sizes) -> anyhow::Result<Report> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let machine = Machine::detect();
    let started_at = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let clock = Instant::now();
    let stack = BenchStack::start()
        .await
        .context("starting the bench stack")?;
    let mut collector = Collector::default();
    for repeat in 1..=sizes.repeats {
        tracing::info!(repeat, of = sizes.repeats, "repeat");
        for deployment in [Deployment::Single, Deployment::SingleAlways] {
            if sizes.runs(deployment.scenario()) {
                collector.extend(
                    submit::run(&stack, sizes, deployment)
                        .await
                        .with_context(|| format!("{} scenario", deployment.scenario()))?,
                );
            }
        }
        if sizes.runs("cluster") {
            collector.extend(
                cluster::run(&stack, sizes)
                    .await
                    .context("cluster scenario")?,
            );
        }
        if sizes.runs("projector") {
            collector.extend(
                projector::run(&stack, sizes)
                    .await
                    .context("projector scenario")?,
            );
        }
        if sizes.runs("workers") {
            collector.extend(
                workers::run(&stack, sizes)
                    .await
                    .context("workers scenario")?,
            );
        }
        if sizes.runs("e2e") {
            collector.extend(
                e2e::run(&stack, sizes)
                    .await
                    .context("end-to-end scenario")?,
            );
        }
        if sizes.runs(peers::SCENARIO) {
            collector.extend(peers::run(&stack, sizes).await.context("peers scenario")?);
        }
        // Opt-in: it needs the local model, which the bench's own setup does not install.
        if sizes.only.iter().any(|s| s == agent::SCENARIO) {
            collector.extend(agent::run(&stack).await.context("agent scenario")?);
        }
    }
    let mut report = Report {
        machine,
        preset: match sizes.preset {
            Preset::Quick => "quick".into(),
            Preset::Full => "full".into(),
        },
        repeats: sizes.repeats,
        started_at,
        wall_seconds: clock.elapsed().as_secs_f64(),
        sizes: describe(sizes),
        scenarios: collector.scenarios(),
        targets: Vec::new(),
    };
    report.targets = report::targets(&report);
    Ok(report)
}

fn describe(s: &Sizes) -> Vec<String> {
    vec![
        format!(
            "submit clients {:?} at {:.0} jobs/s, {:.0} s per phase, {} in flight when \
             saturating, raw baseline {} publishes",
            s.clients,
            s.submit_rate,
            s.submit_phase.as_secs_f64(),
            s.window,
            s.raw_publishes
        ),
        format!(
            "cluster: the submit sizes on 3 nodes, every stream R3; worker http over {} pages \
             on each deployment",
            s.pages
        ),
        format!(
            "projector {} events, live lag at {:.0} events/s for {:.0} s",
            s.projector_events,
            s.lag_rate,
            s.lag_phase.as_secs_f64()
        ),
        format!(
            "workers {} pages, tabs {:?}, http/auto concurrency {}",
            s.pages, s.tabs, s.http_concurrency
        ),
        format!(
            "end to end {} jobs per mode at {:.0} (http) and {:.0} (browser) jobs/s",
            s.e2e_jobs, s.e2e_rates.0, s.e2e_rates.1
        ),
        format!(
            "peers: Crawlee over {} fixture pages at tabs {:?} (browser) and over {} static \
             pages {} at once (http), against the whole platform",
            s.peer_pages, s.tabs, s.pages, s.http_concurrency
        ),
    ]
}
