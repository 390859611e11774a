//! The targets, checked against the medians of a report.

use serde::{Deserialize, Serialize};

use super::{Report, Row, THROUGHPUT};
use crate::deployment::Deployment;
use crate::peers::PSS_RATIO;
use crate::submit::IN_FLIGHT;

/// One target and what was measured for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    /// The target, as the issue states it.
    pub goal: String,
    /// What this run measured.
    pub measured: String,
    /// Whether it was reached.
    pub met: bool,
}

/// Every target whose rows this report has.
pub fn targets(report: &Report) -> Vec<Target> {
    let rows: Vec<&Row> = report.scenarios.iter().flat_map(|s| &s.rows).collect();
    let with_prefix = |prefix: &str| with_prefix(&rows, prefix);
    let mut out = Vec::new();
    // The submit goals count with the durability we ship (issue 19, ADR 29): the single
    // node fsyncing every write and the R3 cluster. The default-sync node is the reference
    // the other rows compare with, not a configuration we ship.
    for deployment in [Deployment::SingleAlways, Deployment::Cluster] {
        out.extend(submit_targets(&rows, deployment));
    }
    out.extend(projector_targets(report));
    let http = with_prefix("workers.http");
    if let Some(t) = worst_ratio(&http, 0.5, "Worker http >= 0.5 x the event-sourced floor") {
        out.push(t);
    }
    let browser = with_prefix("workers.browser.");
    if let Some(t) = worst_ratio(&browser, 0.8, "Worker >= 0.8 x bare headless_chrome loop") {
        out.push(t);
    }
    if let Some(row) = report.row("e2e.browser") {
        let p50 = row.get("p50_ms");
        out.push(Target {
            goal: "End to end, browser mode, p50 < 500 ms".into(),
            measured: format!("p50 {p50:.0} ms"),
            met: p50 < 500.0,
        });
    }
    out.extend(peer_targets(
        report,
        &with_prefix("peers.jetcrawl_browser."),
    ));
    out
}

/// Issue 19's goals against Crawlee: pages/s at 1 and 4 tabs, whole-platform PSS over
/// the `browser` rows, and http mode against CheerioCrawler.
fn peer_targets(report: &Report, browser: &[&Row]) -> Vec<Target> {
    let mut out = Vec::new();
    for (tabs, min) in [(1, 2.0), (4, 3.0)] {
        if let Some(row) = report.row(&format!("peers.jetcrawl_browser.t{tabs}")) {
            let ratio = row.ratio.unwrap_or(0.0);
            out.push(Target {
                goal: format!(
                    "Browser, whole platform, >= {min:.0} x Crawlee PlaywrightCrawler at {tabs} tab(s)"
                ),
                measured: format!("{ratio:.2} x ({:.2} pages/s)", row.get(THROUGHPUT)),
                met: ratio >= min,
            });
        }
    }
    if let Some(worst) = browser
        .iter()
        .map(|r| r.get(PSS_RATIO))
        .max_by(f64::total_cmp)
    {
        out.push(Target {
            goal: "Whole platform peak PSS <= 0.7 x Crawlee PlaywrightCrawler's".into(),
            measured: format!("worst {worst:.2} x"),
            met: worst <= 0.7,
        });
    }
    if let Some(row) = report.row("peers.jetcrawl_http") {
        let ratio = row.ratio.unwrap_or(0.0);
        out.push(Target {
            goal: "HTTP mode, whole platform, >= 2 x Crawlee CheerioCrawler".into(),
            measured: format!("{ratio:.2} x ({:.1} pages/s)", row.get(THROUGHPUT)),
            met: ratio >= 2.0,
        });
    }
    out
}

/// Issue 19's submit goals on one shipped `deployment`: p99 at the most clients, the
/// saturation throughput against raw publishes, and p99 with [`IN_FLIGHT`] calls at once.
fn submit_targets(rows: &[&Row], deployment: Deployment) -> Vec<Target> {
    let (prefix, on) = (deployment.prefix(), deployment.describe());
    let with_prefix = |p: String| with_prefix(rows, &p);
    let mut out = Vec::new();
    if let Some(row) = with_prefix(format!("{prefix}submit.c"))
        .into_iter()
        .max_by_key(|r| clients(r))
    {
        let p99 = row.get("p99_ms");
        out.push(Target {
            goal: format!("Submit ACK p99 < 10 ms at 1,000 concurrent clients ({on})"),
            measured: format!("p99 {p99:.1} ms at {} clients", clients(row)),
            met: p99 < 10.0 && clients(row) >= 1000,
        });
    }
    let goal = format!("Submit throughput >= 0.6 x raw publish ({on})");
    if let Some(t) = worst_ratio(&with_prefix(format!("{prefix}submit_sat.c")), 0.6, &goal) {
        out.push(t);
    }
    if let Some(row) = with_prefix(format!("{prefix}submit_{IN_FLIGHT}.c"))
        .into_iter()
        .max_by(|a, b| a.get("p99_ms").total_cmp(&b.get("p99_ms")))
    {
        let p99 = row.get("p99_ms");
        let mut measured = format!("worst p99 {p99:.1} ms ({} clients)", clients(row));
        let raw = format!("{prefix}raw_{IN_FLIGHT}");
        if let Some(raw) = rows.iter().find(|r| r.key == raw) {
            measured.push_str(&format!(
                "; raw publishes of the same messages, {IN_FLIGHT} jobs in flight: p99 {:.1} ms at {:.0} jobs/s",
                raw.get("p99_ms"),
                raw.get(THROUGHPUT)
            ));
        }
        out.push(Target {
            goal: format!("Submit ACK p99 < 50 ms with {IN_FLIGHT} calls in flight ({on})"),
            measured,
            met: p99 < 50.0,
        });
    }
    out
}

/// Issue 19's projector goals: the `jobs` projection against the raw insert ceiling,
/// every projection's rate, and the live lag.
fn projector_targets(report: &Report) -> Vec<Target> {
    let mut out = Vec::new();
    if let Some(row) = report.row("projector.replay") {
        let ratio = row.ratio.unwrap_or(0.0);
        out.push(Target {
            goal: "Projector, jobs projection, >= 0.5 x raw insert ceiling".into(),
            measured: format!("{ratio:.2} x ({:.0} events/s)", row.get(THROUGHPUT)),
            met: ratio >= 0.5,
        });
    }
    if let Some(row) = report.row("projector.replay_all") {
        let rate = row.get(THROUGHPUT);
        out.push(Target {
            goal: "Projector, all projections, >= 10,000 events/s".into(),
            measured: format!("{rate:.0} events/s"),
            met: rate >= 10_000.0,
        });
    }
    if let Some(row) = report.row("projector.live") {
        let (p99, rate) = (row.get("lag_p99_ms"), row.get("offered_per_s"));
        out.push(Target {
            goal: "Projector live lag p99 < 1 s at 2,000 events/s".into(),
            measured: format!("p99 {p99:.0} ms at {rate:.0} events/s"),
            met: p99 < 1000.0 && rate >= 2000.0,
        });
    }
    out
}

/// The rows whose key starts with `prefix`.
fn with_prefix<'a>(rows: &[&'a Row], prefix: &str) -> Vec<&'a Row> {
    rows.iter()
        .copied()
        .filter(|r| r.key.starts_with(prefix))
        .collect()
}

/// The lowest ratio among `rows`, checked against `min`.
fn worst_ratio(rows: &[&Row], min: f64, goal: &str) -> Option<Target> {
    let worst = rows
        .iter()
        .filter_map(|r| r.ratio.map(|ratio| (ratio, *r)))
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    let all: Vec<String> = rows
        .iter()
        .filter_map(|r| r.ratio.map(|ratio| format!("{} {ratio:.2}", r.key)))
        .collect();
    Some(Target {
        goal: goal.to_owned(),
        measured: format!("worst {:.2} x ({})", worst.0, all.join(", ")),
        met: worst.0 >= min,
    })
}

fn clients(row: &Row) -> usize {
    row.get("clients") as usize
}
