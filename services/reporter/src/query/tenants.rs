//! Tenants known before a month ended, from the audit log: every tenant that did
//! anything on the platform (a job, a key, a data-subject request) has rows there,
//! however it signs in (API key or JWT). Each gets its part of the month's report, so
//! a tenant with a quiet month reads "no activity" instead of "not found".

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use jetcrawl_streams::audit::ALL_TENANTS;
use sqlx::PgPool;

use super::schema;
use crate::error::ReportError;

/// The tenants of the audit rows that occurred before `end` (platform rows excluded).
pub async fn earlier_tenants(
    pool: &PgPool,
    end: DateTime<Utc>,
) -> Result<BTreeSet<String>, ReportError> {
    if !schema::has_table(pool, "audit_log").await? {
        return Ok(BTreeSet::new());
    }
    let tenants: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT tenant FROM audit_log \
         WHERE occurred_at < $1 AND tenant <> '' AND tenant <> $2",
    )
    .bind(end)
    .bind(ALL_TENANTS)
    .fetch_all(pool)
    .await
    .map_err(ReportError::db("listing the tenants of the audit log"))?;
    Ok(tenants.into_iter().collect())
}
