//! ADR 29's deployments side by side: every row measured on the single node with the
//! default sync interval beside the same row on `sync_interval: always` (`sync.` keys)
//! and on the R3 cluster (`r3.` keys), with both ratios to the default.

use std::fmt::Write as _;

use super::markdown::number;
use super::{Report, Row, THROUGHPUT};
use crate::deployment::Deployment;

/// The table, when the run measured any row on more than one deployment.
pub fn render(out: &mut String, report: &Report) {
    let rows: Vec<(&Row, Option<&Row>, Option<&Row>)> = report
        .scenarios
        .iter()
        .flat_map(|s| &s.rows)
        .filter(|row| on_reference(&row.key))
        .map(|row| {
            (
                row,
                on(report, Deployment::SingleAlways, row),
                on(report, Deployment::Cluster, row),
            )
        })
        .filter(|(_, always, r3)| always.is_some() || r3.is_some())
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Durability per topology (single node default / always / R3 cluster)\n\n\
         Each row measured in the same run on each deployment: medians over the repeats, \
         and ratios of those medians. Open-model rows compare latency at the same offered \
         rate; the others compare throughput.\n\n\
         | row | metric | default | always | R3 | always / default | R3 / default |\n\
         |---|---|---|---|---|---|---|"
    );
    for (default, always, r3) in rows {
        for metric in metrics(default) {
            let base = default.get(metric);
            let (a, r) = (always.map(|r| r.get(metric)), r3.map(|r| r.get(metric)));
            let _ = writeln!(
                out,
                "| {} | {metric} | {} | {} | {} | {} | {} |",
                label(default),
                number(base),
                cell(a),
                cell(r),
                ratio(a, base),
                ratio(r, base)
            );
        }
    }
    let _ = writeln!(out);
}

/// Whether row `key` was measured on the reference deployment (no other's prefix).
fn on_reference(key: &str) -> bool {
    Deployment::ALL
        .iter()
        .filter(|d| **d != Deployment::Single)
        .all(|d| !key.starts_with(d.prefix()))
}

/// The same row measured on `deployment`.
fn on<'a>(report: &'a Report, deployment: Deployment, row: &Row) -> Option<&'a Row> {
    report.row(&format!("{}{}", deployment.prefix(), row.key))
}

/// Latency for rows at an offered rate (their throughput is the rate), throughput for
/// the rest.
fn metrics(row: &Row) -> &'static [&'static str] {
    if row.median.contains_key("offered_per_s") {
        &["p50_ms", "p99_ms"]
    } else {
        &[THROUGHPUT]
    }
}

/// The default row's label without the deployment a per-deployment label names.
fn label(row: &Row) -> &str {
    let suffix = format!(", {}", Deployment::Single.describe());
    row.label.strip_suffix(&suffix).unwrap_or(&row.label)
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "not run".to_owned(), number)
}

fn ratio(value: Option<f64>, base: f64) -> String {
    match value {
        Some(v) if base > 0.0 && v > 0.0 => format!("{:.2}", v / base),
        _ => String::new(),
    }
}
