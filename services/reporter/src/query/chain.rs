//! The audit chain's verification (`jetcrawl_projections::audit::verify_chain`) at the
//! time the report is generated.

use sqlx::PgPool;

use super::{MonthFigures, schema};
use crate::error::ReportError;
use crate::figures::AuditChain;

/// Verifies the chain and records the verdict, or notes that the audit log is missing.
pub async fn fill(pool: &PgPool, figures: &mut MonthFigures) -> Result<(), ReportError> {
    if !schema::has_table(pool, "audit_log").await? {
        figures
            .notes
            .push("audit chain: there is no audit_log table yet; not verified".to_owned());
        return Ok(());
    }
    let verdict = jetcrawl_projections::audit::verify_chain(pool).await?;
    figures.audit_chain = AuditChain {
        ok: verdict.ok,
        rows_checked: verdict.rows_checked,
        head_seq: verdict.head_seq,
        head_hash: verdict.head_hash,
        first_broken_seq: verdict.first_broken_seq,
        reason: verdict.reason,
    };
    Ok(())
}
