//! What becomes of a stream message in the audit log: who, what, when, which job. Pure,
//! so the mapping is tested without Postgres.

use chrono::{DateTime, SubsecRound as _, Utc};
use jetcrawl_proto::v1::AccessDenied;
use jetcrawl_streams::audit::RecordedAction;
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::security::is_audit_denied_subject;
use prost::Message as _;
use serde_json::{Value, json};

use crate::message::UNDECODABLE;
use crate::payload_json::payload_json;
use crate::payload_json_action::action_json;
use crate::stream_message::StreamMessage;

/// Which stream an audit row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditSource {
    /// Stream `JOBS`: every job event.
    Jobs,
    /// Stream `AUDIT_ACTIONS`: refused calls and admin actions of no job.
    AuditActions,
}

impl AuditSource {
    /// The value of `audit_log.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jobs => "jobs",
            Self::AuditActions => "audit_actions",
        }
    }
}

/// An audit row before it is chained (no seq or hashes yet).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Where it comes from.
    pub source: AuditSource,
    /// Sequence in that stream.
    pub stream_seq: i64,
    /// When it happened, at microsecond precision.
    pub occurred_at: DateTime<Utc>,
    /// Tenant.
    pub tenant: String,
    /// Who.
    pub actor: String,
    /// The event type.
    pub action: String,
    /// The job, when there is one.
    pub job_id: Option<String>,
    /// The payload as stored.
    pub details: Value,
}

/// The audit entry of one message of `source`.
pub fn audit_entry(source: AuditSource, message: &StreamMessage) -> AuditEntry {
    let stream_seq = i64::try_from(message.sequence).unwrap_or(i64::MAX);
    if source == AuditSource::AuditActions {
        if is_audit_denied_subject(&message.subject) {
            if let Ok(denied) = AccessDenied::decode(message.payload.as_slice()) {
                return denied_entry(stream_seq, message, &denied);
            }
            return undecodable(source, stream_seq, message, "not an AccessDenied message");
        }
        return match message.to_action() {
            Ok(recorded) => action_entry(stream_seq, &recorded),
            Err(err) => undecodable(source, stream_seq, message, &err.to_string()),
        };
    }
    match decode(message.sequence, &message.payload) {
        Ok(recorded) => {
            let e = &recorded.event;
            AuditEntry {
                source,
                stream_seq,
                occurred_at: recorded.occurred_at().trunc_subsecs(6),
                tenant: e.tenant.clone(),
                actor: e.actor.clone(),
                action: e.event_type.clone(),
                job_id: Some(e.job_id.clone()).filter(|j| !j.is_empty()),
                details: payload_json(recorded.payload()),
            }
        }
        Err(err) => undecodable(source, stream_seq, message, &err.to_string()),
    }
}

/// An audit action's row: the same columns, in either encoding, as when actions were
/// `Event`s with an empty job id (ADR 34), so the chain hashes what it hashed before.
fn action_entry(stream_seq: i64, recorded: &RecordedAction) -> AuditEntry {
    let a = &recorded.action;
    AuditEntry {
        source: AuditSource::AuditActions,
        stream_seq,
        occurred_at: recorded.occurred_at().trunc_subsecs(6),
        tenant: a.tenant.clone(),
        actor: a.actor.clone(),
        action: a.action_type.clone(),
        job_id: None,
        details: action_json(recorded.action()),
    }
}

/// The action of a row recording a refused request.
pub const ACCESS_DENIED: &str = "AccessDenied";

/// Every action an audit row can have: the job events, the audit actions, and
/// [`ACCESS_DENIED`]. A filter on another one can only match nothing.
pub fn row_actions() -> Vec<&'static str> {
    let events = jetcrawl_streams::EventKind::ALL.map(|kind| kind.type_name());
    let actions = jetcrawl_streams::audit::ActionKind::ALL.map(|kind| kind.type_name());
    events
        .into_iter()
        .chain(actions)
        .chain([ACCESS_DENIED])
        .collect()
}

fn denied_entry(stream_seq: i64, message: &StreamMessage, d: &AccessDenied) -> AuditEntry {
    let occurred_at = d
        .occurred_at
        .as_ref()
        .and_then(|t| DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .map(|t| t.trunc_subsecs(6))
        .unwrap_or_else(|| message.stored_micros());
    AuditEntry {
        source: AuditSource::AuditActions,
        stream_seq,
        occurred_at,
        tenant: d.tenant.clone(),
        actor: d.actor.clone(),
        action: ACCESS_DENIED.to_owned(),
        job_id: Some(d.job_id.clone()).filter(|j| !j.is_empty()),
        details: json!({
            "role": d.role,
            "action": d.action,
            "reason": d.reason,
            "transport": d.transport,
            "traceparent": d.traceparent,
        }),
    }
}

/// A message that did not decode still gets a row, so the log has no holes.
fn undecodable(
    source: AuditSource,
    stream_seq: i64,
    message: &StreamMessage,
    reason: &str,
) -> AuditEntry {
    let job_id = message.job_id();
    AuditEntry {
        source,
        stream_seq,
        occurred_at: message.stored_micros(),
        tenant: message.tenant_header.clone(),
        actor: String::new(),
        action: UNDECODABLE.to_owned(),
        job_id: Some(job_id).filter(|j| !j.is_empty()),
        details: json!({
            "subject": message.subject,
            "error": reason,
            "raw_hex": hex::encode(&message.payload),
        }),
    }
}
