//! The report's charts, built from its figures.

use plotters::style::RGBColor;

use super::chart::{ChartError, Series, columns, horizontal_bars};
use crate::figures::{DomainFigures, Percentiles, Report, Section};

const SUBMITTED: RGBColor = RGBColor(0x4e, 0x79, 0xa7);
const SUCCEEDED: RGBColor = RGBColor(0x59, 0xa1, 0x4f);
const FAILED: RGBColor = RGBColor(0xe1, 0x57, 0x59);
const DEAD: RGBColor = RGBColor(0x9c, 0x75, 0x5f);

/// Jobs per tenant (or of the one tenant): submitted, succeeded, failed, dead-lettered.
pub fn jobs(report: &Report) -> Result<String, ChartError> {
    let sections: Vec<&Section> = if report.tenants.is_empty() {
        vec![&report.overall]
    } else {
        report.tenants.iter().collect()
    };
    let categories: Vec<String> = sections.iter().map(|s| name(s)).collect();
    let pick = |f: fn(&Section) -> i64| sections.iter().map(|s| f(s) as f64).collect();
    horizontal_bars(
        "jobs",
        "Jobs by tenant",
        &categories,
        &[
            series("submitted", SUBMITTED, pick(|s| s.jobs.submitted)),
            series("succeeded", SUCCEEDED, pick(|s| s.jobs.succeeded)),
            series("failed", FAILED, pick(|s| s.jobs.failed)),
            series("dead-lettered", DEAD, pick(|s| s.jobs.dead_lettered)),
        ],
    )
}

/// p50/p95/p99 of one latency, in milliseconds (each latency on its own scale).
pub fn percentiles(
    id: &'static str,
    title: &'static str,
    p: &Percentiles,
) -> Result<String, ChartError> {
    let value = |v: Option<f64>| v.unwrap_or(0.0);
    horizontal_bars(
        id,
        title,
        &["p50".to_owned(), "p95".to_owned(), "p99".to_owned()],
        &[series(
            "ms",
            SUBMITTED,
            vec![value(p.p50), value(p.p95), value(p.p99)],
        )],
    )
}

/// Jobs submitted per day of the month.
pub fn daily(section: &Section) -> Result<String, ChartError> {
    let labels: Vec<String> = (1..=section.daily_submitted.len())
        .map(|d| d.to_string())
        .collect();
    columns(
        "daily",
        "Jobs submitted per day",
        &labels,
        &section.daily_submitted,
        SUBMITTED,
    )
}

/// The busiest domains by jobs submitted.
pub fn domains(section: &Section) -> Result<String, ChartError> {
    let categories: Vec<String> = section
        .top_domains
        .iter()
        .map(|d| d.domain.clone())
        .collect();
    let pick =
        |f: fn(&DomainFigures) -> i64| section.top_domains.iter().map(|d| f(d) as f64).collect();
    horizontal_bars(
        "domains",
        "Top domains",
        &categories,
        &[
            series("submitted", SUBMITTED, pick(|d| d.submitted)),
            series("succeeded", SUCCEEDED, pick(|d| d.succeeded)),
            series("failed", FAILED, pick(|d| d.failed)),
        ],
    )
}

fn series(name: &'static str, color: RGBColor, values: Vec<f64>) -> Series {
    Series {
        name,
        color,
        values,
    }
}

/// A section's display name.
pub fn name(section: &Section) -> String {
    section
        .tenant
        .clone()
        .unwrap_or_else(|| "all tenants".to_owned())
}
