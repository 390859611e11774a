//! Generating a month's report, safely from any number of reporters: a Postgres advisory
//! lock per month serializes them, and a month that already has a report is returned as
//! it is unless a new revision is asked for.
//!
//! Order of writes: files in REPORTS, then `ReportGenerated` (acknowledged), then the
//! index row, committed with the lock's transaction. A crash in between leaves files or
//! an event without an index row; the next attempt writes the same revision again.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::object_store::ObjectStore;
use chrono::{DateTime, SecondsFormat, Utc};
use jetcrawl_proto::v1::{ReportFileDigest, ReportGenerated};
use jetcrawl_streams::reports::{PLATFORM_SCOPE, report_file_name, report_object_key};
use sqlx::PgPool;

use crate::clock::Clock;
use crate::error::ReportError;
use crate::figures::Report;
use crate::index::{self, FileRow, ReportRow};
use crate::key_tenants::key_tenants;
use crate::month::Month;
use crate::query::{MonthFigures, QueryOptions, earlier_tenants, month_figures};
use crate::scope::{Generation, platform_report, tenant_report};
use crate::{catchup, event, render, store};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The month.
    pub month: Month,
    /// Make a new revision even if one exists.
    pub regenerate: bool,
    /// `system` or the caller's actor.
    pub requested_by: String,
}

/// The outcome.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The revision now current.
    pub report: ReportRow,
    /// False when it already existed.
    pub generated: bool,
}

/// Everything a generation needs.
#[derive(Clone)]
pub struct Reporter {
    pub(crate) pool: PgPool,
    pub(crate) js: Context,
    pub(crate) bucket: ObjectStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) options: QueryOptions,
    pub(crate) catchup_timeout: Duration,
    /// One generation at a time per process: a generation waiting on another's month lock
    /// holds a pooled connection, and the pool must keep one for the lock holder.
    pub(crate) one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

impl Reporter {
    /// A reporter over `pool` (read models and index), `js` (events) and `bucket`.
    pub fn new(
        pool: PgPool,
        js: Context,
        bucket: ObjectStore,
        clock: Arc<dyn Clock>,
        options: QueryOptions,
        catchup_timeout: Duration,
    ) -> Self {
        Self {
            pool,
            js,
            bucket,
            clock,
            options,
            catchup_timeout,
            one_at_a_time: Arc::default(),
        }
    }

    /// Now, by the reporter's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Generates `request.month`'s report, or returns the existing one.
    #[tracing::instrument(name = "generate_report", skip_all, fields(month = %request.month, regenerate = request.regenerate))]
    pub async fn generate(&self, request: GenerateRequest) -> Result<Generated, ReportError> {
        let month = request.month;
        if !month.is_over(self.now()) {
            return Err(ReportError::Precondition(format!(
                "month {month} is not over until {}; reports cover finished months",
                month.end().to_rfc3339_opts(SecondsFormat::Secs, true)
            )));
        }
        let _turn = self.one_at_a_time.lock().await;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(ReportError::db("starting a transaction"))?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("jetcrawl-report-{month}"))
            .execute(&mut *tx)
            .await
            .map_err(ReportError::db("taking the month's report lock"))?;
        let latest = index::latest(&mut *tx, &month.to_string()).await?;
        if let Some(report) = latest.clone().filter(|_| !request.regenerate) {
            return Ok(Generated {
                report,
                generated: false,
            });
        }
        catchup::wait_for_projection(&self.pool, &self.js, self.catchup_timeout).await?;
        let figures = month_figures(&self.pool, month, self.options).await?;
        let generation = Generation {
            month,
            revision: latest.map_or(1, |l| u32::try_from(l.revision).unwrap_or(0) + 1),
            generated_at: self.now(),
            generated_by: request.requested_by.clone(),
        };
        let files = self.store_files(&figures, &generation).await?;
        let chain = &figures.audit_chain;
        let payload = ReportGenerated {
            month: month.to_string(),
            revision: generation.revision,
            files: files.iter().map(digest).collect(),
            audit_chain_ok: chain.ok,
            audit_head_seq: chain.head_seq,
            audit_head_hash: chain.head_hash.clone(),
        };
        let event_seq = event::publish(&self.js, &request.requested_by, payload).await?;
        let report = ReportRow {
            month: month.to_string(),
            revision: i32::try_from(generation.revision).unwrap_or(i32::MAX),
            generated_at: generation.generated_at,
            generated_by: generation.generated_by.clone(),
            event_seq: i64::try_from(event_seq).unwrap_or(i64::MAX),
            audit_chain_ok: chain.ok,
            audit_head_seq: chain.head_seq,
            audit_head_hash: chain.head_hash.clone(),
        };
        index::insert(&mut tx, &report, &files).await?;
        tx.commit()
            .await
            .map_err(ReportError::db("committing the report index"))?;
        tracing::info!(
            revision = report.revision,
            files = files.len(),
            event_seq,
            "report generated"
        );
        Ok(Generated {
            report,
            generated: true,
        })
    }

    /// Renders and stores the platform report and each tenant's: every tenant active
    /// in the month, and every tenant known before its end, from an API key or the
    /// audit log (its part then says it had no activity).
    async fn store_files(
        &self,
        figures: &MonthFigures,
        generation: &Generation,
    ) -> Result<Vec<FileRow>, ReportError> {
        let mut tenants = key_tenants(&self.js).await?;
        tenants.extend(earlier_tenants(&self.pool, generation.month.end()).await?);
        tenants.extend(figures.tenants.keys().cloned());
        let mut reports = vec![(None, platform_report(figures, generation))];
        for tenant in &tenants {
            reports.push((
                Some(tenant.clone()),
                tenant_report(figures, tenant, generation),
            ));
        }
        let mut files = Vec::with_capacity(reports.len() * 2);
        for (tenant, report) in reports {
            let quiet = tenant
                .as_ref()
                .is_some_and(|t| !figures.tenants.contains_key(t));
            for (format, bytes) in [
                ("json", render::json(&report)),
                ("html", render::html(&report).into_bytes()),
            ] {
                let mut file = self
                    .store_file(generation, tenant.as_deref(), format, &bytes)
                    .await?;
                file.quiet = quiet;
                files.push(file);
            }
        }
        Ok(files)
    }

    async fn store_file(
        &self,
        generation: &Generation,
        tenant: Option<&str>,
        format: &str,
        bytes: &[u8],
    ) -> Result<FileRow, ReportError> {
        let name = report_file_name(tenant, format);
        let key = report_object_key(&generation.month.to_string(), generation.revision, &name);
        let stored = store::put(&self.bucket, &key, bytes).await?;
        Ok(FileRow {
            tenant: tenant.unwrap_or_default().to_owned(),
            format: format.to_owned(),
            name,
            object_key: stored.key,
            size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
            sha256: stored.sha256,
            quiet: false,
        })
    }
}

fn digest(file: &FileRow) -> ReportFileDigest {
    ReportFileDigest {
        scope: if file.tenant.is_empty() {
            PLATFORM_SCOPE.to_owned()
        } else {
            file.tenant.clone()
        },
        format: file.format.clone(),
        object_key: file.object_key.clone(),
        size: u64::try_from(file.size_bytes).unwrap_or_default(),
        sha256: file.sha256.clone(),
    }
}

/// Renders one report without storing it (for tools and tests).
pub fn render_files(report: &Report) -> (Vec<u8>, String) {
    (render::json(report), render::html(report))
}
