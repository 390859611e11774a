//! The audit rows of the seeded month, chained by the audit log's own append.

use chrono::Duration;
use jetcrawl_projections::audit::{AuditEntry, AuditSource, append_entries};
use jetcrawl_reporter::Month;
use serde_json::json;

/// 2 erasures and 1 access export of acme and 1 retention run in `month`; 1 erasure after.
pub async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    month: Month,
) -> anyhow::Result<()> {
    let day = |d: i64| month.start() + Duration::days(d);
    let rows = [
        (
            "acme",
            "SubjectErased",
            day(9),
            json!({"subject_ref": "s1"}),
        ),
        (
            "acme",
            "SubjectErased",
            day(10),
            json!({"subject_ref": "s2", "request": {
                "reference": "DSR-2026-7",
                "received_at": day(2).to_rfc3339()
            }}),
        ),
        (
            "acme",
            "SubjectDataExported",
            day(11),
            json!({"subject_ref": "s3"}),
        ),
        (
            "_all",
            "RetentionRun",
            day(14),
            json!({"removals": [
            {"category": "results", "removed": 5, "retention_secs": 2_592_000},
            {"category": "audit_log", "removed": 0, "retention_secs": 15_552_000}]}),
        ),
        (
            "acme",
            "SubjectErased",
            month.end() + Duration::days(1),
            json!({"subject_ref": "s4"}),
        ),
    ];
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .enumerate()
        .map(|(n, (tenant, action, at, details))| AuditEntry {
            source: AuditSource::AuditActions,
            stream_seq: n as i64 + 1,
            occurred_at: at,
            tenant: tenant.to_owned(),
            actor: "key:admin".to_owned(),
            action: action.to_owned(),
            job_id: None,
            details,
        })
        .collect();
    append_entries(tx, &entries).await?;
    Ok(())
}

/// One audit row of `tenant` a month before `month`: a tenant that signs in without an
/// API key (a JWT) and then has a quiet `month`.
pub async fn earlier_activity(
    pool: &sqlx::PgPool,
    month: Month,
    tenant: &str,
) -> anyhow::Result<()> {
    let entry = AuditEntry {
        source: AuditSource::Jobs,
        stream_seq: 1,
        occurred_at: month.start() - Duration::days(20),
        tenant: tenant.to_owned(),
        actor: format!("jwt:{tenant}-ops"),
        action: "JobSubmitted".to_owned(),
        job_id: Some(format!("{tenant}-job")),
        details: json!({}),
    };
    let mut tx = pool.begin().await?;
    append_entries(&mut tx, &[entry]).await?;
    tx.commit().await?;
    Ok(())
}
