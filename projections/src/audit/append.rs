//! Appending to the chain: the audit projections (one per source stream) each apply a
//! batch in one transaction with their checkpoint; the chain head is taken under a
//! transaction-scoped advisory lock, so the two never interleave inside a batch and
//! every row's `prev_hash` is the hash of the row before it.

use sqlx::{PgConnection, Postgres, Transaction};

use super::canonical::{ChainFields, GENESIS_HASH, chain_hash};
use super::entry::{AuditEntry, AuditSource, audit_entry};
use crate::apply::{lock_checkpoint, save_checkpoint};
use crate::error::ProjectionError;
use crate::stream_message::StreamMessage;

/// Advisory lock key name of the chain head (hashed with `hashtextextended(name, 0)`).
pub const CHAIN_LOCK: &str = "jetcrawl-audit-chain";

const INSERT_ROWS: &str = "INSERT INTO audit_log (seq, source, stream_seq, occurred_at, tenant,
                                       actor, action, job_id, details, prev_hash, hash)
     SELECT seq, source, stream_seq, occurred_at, tenant, actor, action, job_id,
            details::jsonb, prev_hash, hash
     FROM UNNEST($1::int8[], $2::text[], $3::int8[], $4::timestamptz[], $5::text[],
                 $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
          AS u(seq, source, stream_seq, occurred_at, tenant, actor, action, job_id,
               details, prev_hash, hash)";

/// Appends one audit row per message of `source` above the checkpoint of `projection`,
/// moves the checkpoint, and returns it. Redelivered messages change nothing.
pub async fn apply_audit(
    tx: &mut Transaction<'_, Postgres>,
    projection: &str,
    source: AuditSource,
    messages: &[StreamMessage],
) -> Result<u64, ProjectionError> {
    let conn: &mut PgConnection = tx;
    let checkpoint = lock_checkpoint(conn, projection).await?;
    let mut fresh: Vec<&StreamMessage> = messages
        .iter()
        .filter(|m| m.sequence > checkpoint)
        .collect();
    fresh.sort_by_key(|m| m.sequence);
    fresh.dedup_by_key(|m| m.sequence);
    let Some(last) = fresh.last().map(|m| m.sequence) else {
        return Ok(checkpoint);
    };
    let entries: Vec<AuditEntry> = fresh.iter().map(|m| audit_entry(source, m)).collect();
    append_entries(conn, &entries).await?;
    save_checkpoint(conn, projection, last).await?;
    Ok(last)
}

/// Chains `entries` after the current head and inserts them.
pub async fn append_entries(
    conn: &mut PgConnection,
    entries: &[AuditEntry],
) -> Result<(), ProjectionError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(CHAIN_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(ProjectionError::db("locking the audit chain head"))?;
    let (mut seq, mut prev) = head(conn).await?;
    let n = entries.len();
    let mut cols = Columns::with_capacity(n);
    for entry in entries {
        seq += 1;
        let details = entry.details.clone();
        let hash = chain_hash(&ChainFields {
            seq,
            source: entry.source.as_str(),
            stream_seq: entry.stream_seq,
            occurred_at: entry.occurred_at,
            tenant: &entry.tenant,
            actor: &entry.actor,
            action: &entry.action,
            job_id: entry.job_id.as_deref(),
            details: &details,
            prev_hash: &prev,
        });
        cols.push(seq, entry, &prev, &hash);
        prev = hash;
    }
    sqlx::query(INSERT_ROWS)
        .bind(cols.seq)
        .bind(cols.source)
        .bind(cols.stream_seq)
        .bind(cols.occurred_at)
        .bind(cols.tenant)
        .bind(cols.actor)
        .bind(cols.action)
        .bind(cols.job_id)
        .bind(cols.details)
        .bind(cols.prev_hash)
        .bind(cols.hash)
        .execute(conn)
        .await
        .map_err(ProjectionError::db("inserting audit_log rows"))?;
    Ok(())
}

/// The chain head: the last row, else the retention anchor, else (0, genesis).
async fn head(conn: &mut PgConnection) -> Result<(i64, String), ProjectionError> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(ProjectionError::db("reading the audit chain head"))?;
    if let Some(last) = last {
        return Ok(last);
    }
    let anchor: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_anchor WHERE id")
            .fetch_optional(&mut *conn)
            .await
            .map_err(ProjectionError::db("reading the audit anchor"))?;
    Ok(anchor.unwrap_or_else(|| (0, GENESIS_HASH.to_owned())))
}

#[derive(Default)]
struct Columns {
    seq: Vec<i64>,
    source: Vec<&'static str>,
    stream_seq: Vec<i64>,
    occurred_at: Vec<chrono::DateTime<chrono::Utc>>,
    tenant: Vec<String>,
    actor: Vec<String>,
    action: Vec<String>,
    job_id: Vec<Option<String>>,
    details: Vec<String>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
}

impl Columns {
    fn with_capacity(n: usize) -> Self {
        Self {
            seq: Vec::with_capacity(n),
            details: Vec::with_capacity(n),
            hash: Vec::with_capacity(n),
            ..Self::default()
        }
    }

    fn push(&mut self, seq: i64, entry: &AuditEntry, prev: &str, hash: &str) {
        self.seq.push(seq);
        self.source.push(entry.source.as_str());
        self.stream_seq.push(entry.stream_seq);
        self.occurred_at.push(entry.occurred_at);
        self.tenant.push(entry.tenant.clone());
        self.actor.push(entry.actor.clone());
        self.action.push(entry.action.clone());
        self.job_id.push(entry.job_id.clone());
        self.details.push(entry.details.to_string());
        self.prev_hash.push(prev.to_owned());
        self.hash.push(hash.to_owned());
    }
}
