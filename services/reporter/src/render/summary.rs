//! The month in plain words, for a reader who will not read the tables.

use maud::{Markup, html};

use super::agent;
use super::format::{number, percent};
use super::retention::kind_name;
use super::section::quiet;
use crate::figures::Report;

/// The summary paragraph.
pub fn summary(report: &Report) -> Markup {
    html! {
        h2 { "Summary" }
        p data-figure="summary" { (text(report)) }
    }
}

fn text(report: &Report) -> String {
    let s = &report.overall;
    let jobs = &s.jobs;
    let mut text = if quiet(s) {
        "Nothing was done this month: no jobs, no webhooks and no data-subject requests.".to_owned()
    } else {
        let rate = s
            .success_rate
            .map(|r| format!(" ({})", percent(Some(r))))
            .unwrap_or_default();
        format!(
            "{} job(s) were submitted; {} succeeded{rate}, {} failed for good and {} were \
             cancelled. {} erasure request(s) and {} access request(s) were fulfilled.",
            jobs.submitted,
            jobs.succeeded,
            jobs.failed,
            jobs.cancelled,
            s.subject_requests.erasures,
            s.subject_requests.access_exports,
        )
    };
    // Empty when no agent job did anything, so a month without any reads as before.
    text.push_str(&agent::sentence(&s.agent));
    text.push_str(if report.audit_chain.ok {
        " The audit log's hash chain verified intact when this report was made."
    } else {
        " WARNING: the audit log's hash chain is broken (see \"Audit chain\")."
    });
    let kept: Vec<String> = report
        .retention
        .periods
        .iter()
        .map(|p| format!("{} {} days", kind_name(&p.kind), number(p.days)))
        .collect();
    if !kept.is_empty() {
        text.push_str(&format!(" Data is kept: {}.", kept.join(", ")));
    }
    text
}
