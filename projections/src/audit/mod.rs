//! The tamper-evident audit log: every message of `JOBS` and `AUDIT_ACTIONS` becomes an
//! append-only `audit_log` row, hash-chained over a canonical encoding
//! ([`canonical`]). A trigger refuses UPDATE and DELETE (migration 0003);
//! [`verify_chain`] finds the first broken link.

mod append;
pub mod canonical;
mod entry;
mod query;
mod row;
mod verify;

pub use append::{CHAIN_LOCK, append_entries, apply_audit};
pub use canonical::{ChainFields, GENESIS_HASH, canonical_json, chain_hash};
pub use entry::{ACCESS_DENIED, AuditEntry, AuditSource, audit_entry, row_actions};
pub use query::{AuditFilter, query_audit_log};
pub use row::AuditRow;
pub use verify::{ChainVerdict, chain_anchor, verify_chain};
