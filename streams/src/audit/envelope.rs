//! The `jetcrawl.v1.AuditAction` envelope: building one, its NATS headers, and its
//! (de)serialisation.
//!
//! Which encoding a stored message has: a message published by [`super::append_action`]
//! carries the header `Jetcrawl-Envelope: audit-action/v1` ([`ENVELOPE`]). A message
//! without it was stored before ADR 34 as a `jetcrawl.v1.Event` with an empty job id.
//! `AuditAction` keeps that envelope's field numbers, so both decode the same way and
//! give the same action; a header naming any other envelope is refused rather than
//! misread.

use async_nats::HeaderMap;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::AuditAction;
use jetcrawl_proto::v1::audit_action::Action;
use prost::Message as _;
use thiserror::Error;

use super::kind::ActionKind;
use crate::headers;

/// Schema version written for every action today.
pub const SCHEMA_VERSION: u32 = 1;
/// Value of the `Jetcrawl-Envelope` header of an action published since ADR 34.
pub const ENVELOPE: &str = "audit-action/v1";
/// Tenant of actions that span every tenant (retention runs, reports).
pub const ALL_TENANTS: &str = "_all";

/// An audit action as stored, with its stream sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedAction {
    /// Stream sequence in `AUDIT_ACTIONS`.
    pub sequence: u64,
    /// The decoded envelope.
    pub action: AuditAction,
}

impl RecordedAction {
    /// The action; absent only for a kind newer than this build.
    pub fn action(&self) -> Option<&Action> {
        self.action.action.as_ref()
    }

    /// When it happened, from the envelope (the epoch when unset).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.action
            .occurred_at
            .as_ref()
            .map_or(DateTime::UNIX_EPOCH, jetcrawl_job::to_datetime)
    }
}

/// A stored message that is not an audit action this build can read.
#[derive(Debug, Error)]
#[error("audit action at stream sequence {sequence} does not decode: {reason}")]
pub struct DecodeError {
    /// Stream sequence of the message.
    pub sequence: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// Builds an envelope around `action`, stamped now, with a fresh id.
pub fn new_action(tenant: &str, actor: &str, traceparent: &str, action: Action) -> AuditAction {
    new_action_at(tenant, actor, traceparent, action, Utc::now())
}

/// Builds an envelope around `action` that happened at `now`, with a fresh id.
pub fn new_action_at(
    tenant: &str,
    actor: &str,
    traceparent: &str,
    action: Action,
    now: DateTime<Utc>,
) -> AuditAction {
    AuditAction {
        action_type: ActionKind::of(&action).type_name().to_owned(),
        schema_version: SCHEMA_VERSION,
        tenant: tenant.to_owned(),
        occurred_at: Some(jetcrawl_job::to_timestamp(now)),
        actor: actor.to_owned(),
        traceparent: traceparent.to_owned(),
        id: uuid::Uuid::new_v4().to_string(),
        action: Some(action),
    }
}

/// Headers of a published action: the envelope marker and the routing fields.
pub fn action_headers(action: &AuditAction) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(headers::ENVELOPE, ENVELOPE);
    map.insert(headers::EVENT_TYPE, action.action_type.as_str());
    map.insert(
        headers::SCHEMA_VERSION,
        action.schema_version.to_string().as_str(),
    );
    map.insert(headers::TENANT, action.tenant.as_str());
    if !action.traceparent.is_empty() {
        map.insert(headers::TRACEPARENT, action.traceparent.as_str());
    }
    map
}

/// Encodes the envelope as the message payload.
pub fn encode_action(action: &AuditAction) -> Bytes {
    Bytes::from(action.encode_to_vec())
}

/// Decodes a stored `AUDIT_ACTIONS` message (not an `audit.denied.*` refusal) whose
/// `Jetcrawl-Envelope` header is `envelope` (`None` or empty when it has none: the
/// encoding before ADR 34).
pub fn decode_action(
    sequence: u64,
    envelope: Option<&str>,
    payload: &[u8],
) -> Result<RecordedAction, DecodeError> {
    let error = |reason: String| DecodeError { sequence, reason };
    match envelope {
        None | Some("") | Some(ENVELOPE) => {}
        Some(other) => {
            return Err(error(format!(
                "envelope {other:?} is unknown to this build (it reads {ENVELOPE:?} and the \
                 Event encoding before it); upgrade the reader"
            )));
        }
    }
    let action = AuditAction::decode(payload).map_err(|err| error(err.to_string()))?;
    Ok(RecordedAction { sequence, action })
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
