//! The canonical encoding of an audit row and its chain hash.
//!
//! `hash = hex(sha256(encoding))`, where the encoding is the ASCII tag
//! `jetcrawl-audit-v1` followed by ten netstrings (`<byte length>:<bytes>,`), in order:
//! seq, source, stream_seq (decimal), occurred_at (RFC 3339, UTC, exactly 6 fractional
//! digits, `Z`), tenant, actor, action, job_id (empty when none), details (canonical
//! JSON: object keys sorted by their UTF-8 bytes, no whitespace, strings and numbers as
//! serde_json writes them) and prev_hash (hex). Length prefixes make the field
//! boundaries unambiguous; the prev_hash inside the encoding chains the rows.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// `prev_hash` of the first row of a chain that was never trimmed by retention.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version tag at the start of every encoding; a new encoding gets a new tag.
const TAG: &str = "jetcrawl-audit-v1";

/// The fields of an audit row that the hash covers.
#[derive(Debug, Clone, Copy)]
pub struct ChainFields<'a> {
    /// Chain sequence.
    pub seq: i64,
    /// `jobs` or `audit_actions`.
    pub source: &'a str,
    /// Sequence in the source stream.
    pub stream_seq: i64,
    /// When it happened (microsecond precision, as Postgres stores it).
    pub occurred_at: DateTime<Utc>,
    /// Tenant.
    pub tenant: &'a str,
    /// Actor.
    pub actor: &'a str,
    /// Event type.
    pub action: &'a str,
    /// Job id; `None` for actions of no job.
    pub job_id: Option<&'a str>,
    /// The stored payload.
    pub details: &'a Value,
    /// Hash of the previous row.
    pub prev_hash: &'a str,
}

/// The canonical byte encoding of `fields` (see the module doc).
pub fn canonical_encoding(fields: &ChainFields<'_>) -> Vec<u8> {
    let parts = [
        fields.seq.to_string(),
        fields.source.to_owned(),
        fields.stream_seq.to_string(),
        fields
            .occurred_at
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string(),
        fields.tenant.to_owned(),
        fields.actor.to_owned(),
        fields.action.to_owned(),
        fields.job_id.unwrap_or_default().to_owned(),
        canonical_json(fields.details),
        fields.prev_hash.to_owned(),
    ];
    let mut out = TAG.as_bytes().to_vec();
    for part in parts {
        out.extend_from_slice(part.len().to_string().as_bytes());
        out.push(b':');
        out.extend_from_slice(part.as_bytes());
        out.push(b',');
    }
    out
}

/// The row's hash: hex sha256 of its canonical encoding.
pub fn chain_hash(fields: &ChainFields<'_>) -> String {
    hex::encode(Sha256::digest(canonical_encoding(fields)))
}

/// `value` as canonical JSON: sorted keys, no whitespace.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push_str(&Value::String(s.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(details: &Value) -> ChainFields<'_> {
        ChainFields {
            seq: 1,
            source: "jobs",
            stream_seq: 7,
            occurred_at: DateTime::from_timestamp_micros(1_767_225_600_123_456).expect("time"),
            tenant: "acme",
            actor: "key:ab",
            action: "JobSubmitted",
            job_id: Some("j1"),
            details,
            prev_hash: GENESIS_HASH,
        }
    }

    #[test]
    fn key_order_and_whitespace_do_not_change_the_hash() {
        let a = json!({"b": 1, "a": {"y": [1, 2], "x": "é\n"}});
        let b: Value =
            serde_json::from_str(r#"{ "a" : {"x":"é\n", "y":[1,2]}, "b":1 }"#).expect("json");
        assert_eq!(canonical_json(&a), r#"{"a":{"x":"é\n","y":[1,2]},"b":1}"#);
        assert_eq!(chain_hash(&fields(&a)), chain_hash(&fields(&b)));
    }

    #[test]
    fn every_field_is_covered_and_boundaries_are_unambiguous() {
        let details = json!({});
        let base = fields(&details);
        let hash = chain_hash(&base);
        let moved = ChainFields {
            tenant: "acmekey:ab",
            actor: "",
            ..base
        };
        assert_ne!(chain_hash(&moved), hash);
        let no_job = ChainFields {
            job_id: None,
            ..base
        };
        assert_ne!(chain_hash(&no_job), hash);
        let later = ChainFields { seq: 2, ..base };
        assert_ne!(chain_hash(&later), hash);
        assert_eq!(hash.len(), 64);
        let text = String::from_utf8(canonical_encoding(&base)).expect("utf8");
        assert!(
            text.starts_with("jetcrawl-audit-v11:1,4:jobs,1:7,27:2026-01-01T00:00:00.123456Z,"),
            "{text}"
        );
    }
}
