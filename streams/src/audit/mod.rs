//! Audit actions: admin and compliance facts that belong to no job (robots policy
//! changes, erasures, exports, retention runs, reports, key rotations, browser tool
//! calls over MCP), in their own envelope `jetcrawl.v1.AuditAction` on the
//! `AUDIT_ACTIONS` stream, and [`append_action`], the one way to record one (ADR 34).

mod append;
mod envelope;
mod kind;

pub use append::append_action;
pub use envelope::{
    ALL_TENANTS, DecodeError, ENVELOPE, RecordedAction, SCHEMA_VERSION, action_headers,
    decode_action, encode_action, new_action, new_action_at,
};
pub use jetcrawl_proto::v1::AuditAction;
pub use jetcrawl_proto::v1::audit_action::Action;
pub use kind::ActionKind;
