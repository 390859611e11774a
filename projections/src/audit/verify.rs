//! `verify_chain`: walks `audit_log` in `seq` order from the anchor and recomputes every
//! link, reporting the first row whose sequence, `prev_hash` or `hash` is wrong.

use sqlx::PgPool;

use super::canonical::GENESIS_HASH;
use super::row::{AUDIT_COLUMNS, AuditRow};
use crate::error::ProjectionError;

/// Rows read per round trip while verifying.
const PAGE: i64 = 5000;

/// The outcome of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerdict {
    /// Every row links to its predecessor and its hash matches its content.
    pub ok: bool,
    /// Rows checked (up to and including the first broken one).
    pub rows_checked: u64,
    /// The last row's seq (the anchor's when the table is empty; 0 when never written).
    pub head_seq: i64,
    /// The last row's hash (the anchor's, or [`GENESIS_HASH`]).
    pub head_hash: String,
    /// The first broken row, when not ok.
    pub first_broken_seq: Option<i64>,
    /// What is wrong with it; empty when ok.
    pub reason: String,
    /// Where verification started: the retention anchor's seq (0 without one).
    pub anchor_seq: i64,
    /// The anchor's hash ([`GENESIS_HASH`] without one).
    pub anchor_hash: String,
}

/// The retention anchor (seq and hash of the last removed row), or (0, genesis).
pub async fn chain_anchor(pool: &PgPool) -> Result<(i64, String), ProjectionError> {
    let anchor: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_anchor WHERE id")
            .fetch_optional(pool)
            .await
            .map_err(ProjectionError::db("reading the audit anchor"))?;
    Ok(anchor.unwrap_or_else(|| (0, GENESIS_HASH.to_owned())))
}

/// Verifies the whole chain (see the module doc).
pub async fn verify_chain(pool: &PgPool) -> Result<ChainVerdict, ProjectionError> {
    let (anchor_seq, anchor_hash) = chain_anchor(pool).await?;
    let mut verdict = ChainVerdict {
        ok: true,
        rows_checked: 0,
        head_seq: anchor_seq,
        head_hash: anchor_hash.clone(),
        first_broken_seq: None,
        reason: String::new(),
        anchor_seq,
        anchor_hash,
    };
    loop {
        let rows: Vec<AuditRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        )))
        .bind(verdict.head_seq)
        .bind(PAGE)
        .fetch_all(pool)
        .await
        .map_err(ProjectionError::db("reading audit_log to verify it"))?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            return Ok(verdict);
        };
        for row in &rows {
            verdict.rows_checked += 1;
            if let Some(reason) = broken_link(&verdict, row) {
                verdict.ok = false;
                verdict.first_broken_seq = Some(row.seq);
                verdict.reason = reason;
                return Ok(verdict);
            }
            verdict.head_seq = row.seq;
            verdict.head_hash = row.hash.clone();
        }
        debug_assert_eq!(verdict.head_seq, last);
    }
}

/// Why `row` does not follow the head of `verdict`, if it does not.
fn broken_link(verdict: &ChainVerdict, row: &AuditRow) -> Option<String> {
    let expected_seq = verdict.head_seq + 1;
    if row.seq != expected_seq {
        return Some(format!(
            "row seq {} follows seq {}: rows {}..{} are missing (deleted outside retention)",
            row.seq,
            verdict.head_seq,
            expected_seq,
            row.seq - 1
        ));
    }
    if row.prev_hash != verdict.head_hash {
        return Some(format!(
            "row seq {} has prev_hash {} but the row before it hashes to {}: the previous row was altered or replaced",
            row.seq, row.prev_hash, verdict.head_hash
        ));
    }
    let expected = row.expected_hash();
    if row.hash != expected {
        return Some(format!(
            "row seq {} ({} of tenant {}) was altered after it was written: its content hashes to {expected}, but it records {}",
            row.seq, row.action, row.tenant, row.hash
        ));
    }
    None
}
