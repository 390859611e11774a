//! The reports index in Postgres (`reports`, `report_files`, migration 0015): which
//! revisions of a month exist, and each file's object key, size and sha256.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};

use crate::error::ProjectionError;

/// One generation of a month's report.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportRow {
    /// `YYYY-MM`.
    pub month: String,
    /// From 1.
    pub revision: i32,
    /// When.
    pub generated_at: DateTime<Utc>,
    /// `system` or the actor who asked.
    pub generated_by: String,
    /// Sequence of its ReportGenerated on AUDIT_ACTIONS.
    pub event_seq: i64,
    /// The audit chain verified when it was generated.
    pub audit_chain_ok: bool,
    /// The chain's head then.
    pub audit_head_seq: i64,
    /// Its hash.
    pub audit_head_hash: String,
}

/// One stored file of a report.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FileRow {
    /// `''` for the platform report, else the tenant.
    pub tenant: String,
    /// `html` or `json`.
    pub format: String,
    /// File name, e.g. `tenant.acme.html`.
    pub name: String,
    /// Key in the REPORTS bucket.
    pub object_key: String,
    /// Bytes.
    pub size_bytes: i64,
    /// Hex sha256.
    pub sha256: String,
    /// A tenant part of a tenant with no activity in the month (it says so).
    pub quiet: bool,
}

const REPORT_COLUMNS: &str = "month, revision, generated_at, generated_by, event_seq, \
    audit_chain_ok, audit_head_seq, audit_head_hash";

/// The month's latest revision, if any.
pub async fn latest(
    db: impl PgExecutor<'_>,
    month: &str,
) -> Result<Option<ReportRow>, ProjectionError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE month = $1 ORDER BY revision DESC LIMIT 1"
    )))
    .bind(month)
    .fetch_optional(db)
    .await
    .map_err(ProjectionError::db("reading the reports index"))
}

/// One revision of the month (`0`: the latest).
pub async fn revision(
    pool: &PgPool,
    month: &str,
    revision: u32,
) -> Result<Option<ReportRow>, ProjectionError> {
    if revision == 0 {
        return latest(pool, month).await;
    }
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE month = $1 AND revision = $2"
    )))
    .bind(month)
    .bind(i32::try_from(revision).unwrap_or(i32::MAX))
    .fetch_optional(pool)
    .await
    .map_err(ProjectionError::db("reading the reports index"))
}

/// The files of one revision.
pub async fn files(
    pool: &PgPool,
    month: &str,
    revision: i32,
) -> Result<Vec<FileRow>, ProjectionError> {
    sqlx::query_as(
        "SELECT tenant, format, name, object_key, size_bytes, sha256, quiet FROM report_files \
         WHERE month = $1 AND revision = $2 ORDER BY tenant, format",
    )
    .bind(month)
    .bind(revision)
    .fetch_all(pool)
    .await
    .map_err(ProjectionError::db("reading the report files"))
}

/// Records a generation and its files in `tx`.
pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    row: &ReportRow,
    files: &[FileRow],
) -> Result<(), ProjectionError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reports ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&row.month)
    .bind(row.revision)
    .bind(row.generated_at)
    .bind(&row.generated_by)
    .bind(row.event_seq)
    .bind(row.audit_chain_ok)
    .bind(row.audit_head_seq)
    .bind(&row.audit_head_hash)
    .execute(&mut **tx)
    .await
    .map_err(ProjectionError::db("recording the report"))?;
    for file in files {
        sqlx::query(
            "INSERT INTO report_files (month, revision, tenant, format, name, object_key, \
             size_bytes, sha256, quiet) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&row.month)
        .bind(row.revision)
        .bind(&file.tenant)
        .bind(&file.format)
        .bind(&file.name)
        .bind(&file.object_key)
        .bind(file.size_bytes)
        .bind(&file.sha256)
        .bind(file.quiet)
        .execute(&mut **tx)
        .await
        .map_err(ProjectionError::db("recording a report file"))?;
    }
    Ok(())
}
