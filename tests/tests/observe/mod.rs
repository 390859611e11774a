//! The dashboard and the alerts against a live stack (issue 15, "Done means" 3): a real
//! Prometheus (Debian's package) scrapes every service of a running platform while a
//! few jobs run; then every panel query of `infra/grafana/jetcrawl.json` must return
//! numbers, reading only metrics Prometheus scraped (a short, explained list may stay
//! empty), and every rule of `infra/prometheus/alerts.yml` must run as a query, read
//! only scraped metrics, and be evaluated by Prometheus without error.

mod cases;
mod checks;
mod dashboard;
mod platform;
mod prometheus;
mod promql;
mod receiver;
mod rules;
mod workload;

use std::time::{Duration, Instant};

use jetcrawl_tests::{eventually_every, workspace_root};

use crate::observe::checks::{ALLOWED_EMPTY, Expect};
use crate::observe::dashboard::Target;
use crate::observe::platform::Platform;
use crate::observe::prometheus::Prometheus;
use crate::observe::rules::Rule;
use crate::observe::workload::Workload;

/// Scrapes are every second, but a rate needs two samples after a series appears and
/// rules are evaluated on their own tick: a few seconds on an idle machine.
const SETTLE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_and_alert_works_against_a_live_stack() -> anyhow::Result<()> {
    let started = Instant::now();
    let lap = |what: &str| eprintln!("[{:>5.1}s] {what}", started.elapsed().as_secs_f64());
    let targets = dashboard::targets(&workspace_root().join("infra/grafana/jetcrawl.json"))?;
    let alerts_file = workspace_root().join("infra/prometheus/alerts.yml");
    let rules = rules::alert_rules(&alerts_file)?;
    for (panel, ref_id, why) in ALLOWED_EMPTY {
        anyhow::ensure!(
            targets
                .iter()
                .any(|t| t.panel == *panel && t.ref_id == *ref_id),
            "ALLOWED_EMPTY names {panel:?} {ref_id} ({why}), which the dashboard no longer has"
        );
    }

    let platform = Platform::start().await?;
    lap("platform up");
    let prometheus = Prometheus::start(&platform.scrape_jobs(), &alerts_file).await?;
    // Prometheus hands its first targets to the scrapers after about 5 s: the first
    // wave runs meanwhile, its counters waiting in the services' registries.
    let workload = Workload::start(&platform).await?;
    workload.first_wave().await?;
    lap("first wave of jobs done");
    eventually_every(SETTLE, POLL, || prometheus.targets_up()).await?;
    lap("prometheus scraping every service");
    settle(&prometheus, &targets, &[], Expect::Series).await?;
    lap("every panel has series");
    workload.second_wave().await?;
    lap("second wave of jobs done");
    settle(&prometheus, &targets, &rules, Expect::Numbers).await?;
    lap(&format!(
        "{} panel queries and {} alert rules checked",
        targets.len(),
        rules.len()
    ));
    Ok(())
}

/// Polls until the panels show what `expect` asks and the rules are healthy, or fails
/// after [`SETTLE`] with every problem of the last round.
async fn settle(
    prometheus: &Prometheus,
    targets: &[Target],
    rules: &[Rule],
    expect: Expect,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + SETTLE;
    loop {
        let scraped = prometheus.metric_names().await?;
        let problems = [
            checks::panels(prometheus, targets, &scraped, expect).await,
            checks::alerts(prometheus, rules, &scraped).await,
        ]
        .concat();
        if problems.is_empty() {
            return Ok(());
        }
        // Every round runs to its end, so the failure lists what is still wrong.
        anyhow::ensure!(
            Instant::now() < deadline,
            "after {SETTLE:?} of scrapes ({expect:?}):\n  {}",
            problems.join("\n  ")
        );
        tokio::time::sleep(POLL).await;
    }
}
