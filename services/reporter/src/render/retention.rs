//! Retention: the runs of the month, the periods in force and what was removed.

use maud::{Markup, html};

use super::format::number;
use super::row::row;
use crate::figures::Retention;

/// The retention part of the page.
pub fn retention(retention: &Retention) -> Markup {
    html! {
        h2 { "Retention" }
        p {
            span data-figure="retention.runs" data-value=(retention.runs) { (retention.runs) }
            " run(s) in the month; last at " (retention.last_run_at.as_deref().unwrap_or("–")) "."
        }
        @if retention.periods.is_empty() {
            p { "No retention run was ever recorded, so no period is known to be in force." }
        } @else {
            p { "Periods in force (applied by the last run):" }
            table {
                tr { th { "records" } th { "kept for (days)" } }
                @for period in &retention.periods {
                    (row("retention", &format!("period.{}", period.kind), &kind_name(&period.kind),
                        &number(period.days), Some(period.days)))
                }
            }
        }
        @if !retention.removed.is_empty() {
            table {
                tr { th { "removed" } th { "records" } }
                @for removed in &retention.removed {
                    (row("retention", &format!("removed.{}", removed.kind), &removed.kind,
                        &removed.count.to_string(), Some(removed.count as f64)))
                }
            }
        }
    }
}

/// A retention category for people.
pub fn kind_name(kind: &str) -> String {
    match kind {
        "results" => "results".to_owned(),
        "audit_log" => "audit log rows".to_owned(),
        "job_events" => "job event log rows".to_owned(),
        "retention_runs" => "retention run records".to_owned(),
        other => other.replace('_', " "),
    }
}
