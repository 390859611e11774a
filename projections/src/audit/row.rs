//! One row of `audit_log`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::canonical::{ChainFields, chain_hash};

/// One row of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRow {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// `jobs` or `audit_actions`: the stream the row comes from.
    pub source: String,
    /// Sequence of the message in that stream.
    pub stream_seq: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Tenant it concerns (`_all` for cross-tenant actions).
    pub tenant: String,
    /// Who did it: `key:<id>`, `jwt:<sub>`, `worker:<id>`, `system`, …
    pub actor: String,
    /// The event type, e.g. `JobSubmitted`, `AccessDenied`, `ApiKeyIssued`.
    pub action: String,
    /// The job, for job events.
    pub job_id: Option<String>,
    /// The payload as stored (personal fields stay ciphertext).
    pub details: Value,
    /// Hash of the previous row.
    pub prev_hash: String,
    /// Hash of this row.
    pub hash: String,
}

/// The column list of `audit_log` in [`AuditRow`] order.
pub(crate) const AUDIT_COLUMNS: &str = "seq, source, stream_seq, occurred_at, tenant, actor, \
    action, job_id, details, prev_hash, hash";

impl AuditRow {
    /// The fields the hash covers.
    pub fn chain_fields(&self) -> ChainFields<'_> {
        ChainFields {
            seq: self.seq,
            source: &self.source,
            stream_seq: self.stream_seq,
            occurred_at: self.occurred_at,
            tenant: &self.tenant,
            actor: &self.actor,
            action: &self.action,
            job_id: self.job_id.as_deref(),
            details: &self.details,
            prev_hash: &self.prev_hash,
        }
    }

    /// What the hash of this row should be.
    pub fn expected_hash(&self) -> String {
        chain_hash(&self.chain_fields())
    }
}
