//! The SQL behind a report: every figure of a month, per tenant and for every tenant
//! together (`GROUPING SETS ((tenant), ())`), from `job_events`, `jobs` and `audit_log`.

mod agent;
mod chain;
mod counts;
mod daily;
mod domains;
mod latency;
mod retention;
mod schema;
mod subjects;
mod tenants;

use std::collections::BTreeMap;

use sqlx::PgPool;

pub use tenants::earlier_tenants;

use crate::error::ReportError;
use crate::figures::{AuditChain, DataAsOf, Retention, Section};
use crate::month::Month;

/// Every figure of one month, before it is cut into reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthFigures {
    /// Every tenant together.
    pub overall: Section,
    /// Each tenant with activity in the month, by name.
    pub tenants: BTreeMap<String, Section>,
    /// Retention runs in the month.
    pub retention: Retention,
    /// The audit chain now.
    pub audit_chain: AuditChain,
    /// Read-model progress.
    pub data_as_of: DataAsOf,
    /// Figures that could not be taken, and why.
    pub notes: Vec<String>,
}

impl MonthFigures {
    /// The section of `tenant` (`None`: every tenant together), created when missing.
    pub(crate) fn section(&mut self, tenant: Option<String>) -> &mut Section {
        match tenant {
            None => &mut self.overall,
            Some(name) => self.tenants.entry(name.clone()).or_insert_with(|| Section {
                tenant: Some(name),
                ..Section::default()
            }),
        }
    }
}

/// Options of the figures.
#[derive(Debug, Clone, Copy)]
pub struct QueryOptions {
    /// Domains listed per section.
    pub top_domains: i64,
}

/// Takes every figure of `month`.
pub async fn month_figures(
    pool: &PgPool,
    month: Month,
    options: QueryOptions,
) -> Result<MonthFigures, ReportError> {
    let mut figures = MonthFigures::default();
    let (start, end) = (month.start(), month.end());
    counts::fill(pool, start, end, &mut figures).await?;
    agent::fill(pool, start, end, &mut figures).await?;
    latency::fill_durations(pool, start, end, &mut figures).await?;
    latency::fill_ack_latency(pool, start, end, &mut figures).await?;
    domains::fill(pool, start, end, options.top_domains, &mut figures).await?;
    daily::fill(pool, month, &mut figures).await?;
    subjects::fill(pool, start, end, &mut figures).await?;
    retention::fill(pool, start, end, &mut figures).await?;
    chain::fill(pool, &mut figures).await?;
    figures.data_as_of.jobs_checkpoint =
        jetcrawl_projections::checkpoint(pool, jetcrawl_projections::JOBS_PROJECTION)
            .await
            .map_err(ReportError::from)?
            .try_into()
            .unwrap_or(i64::MAX);
    Ok(figures)
}

/// `[p50, p95, p99]` as returned by `percentile_disc(ARRAY[0.5, 0.95, 0.99])`.
pub(crate) fn percentiles(count: i64, values: Option<Vec<f64>>) -> crate::figures::Percentiles {
    let values = values.unwrap_or_default();
    crate::figures::Percentiles {
        count,
        p50: values.first().copied(),
        p95: values.get(1).copied(),
        p99: values.get(2).copied(),
    }
}
