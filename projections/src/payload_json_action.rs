//! Explicit proto → JSON renderings of audit actions for `audit_log.details`, like
//! [`crate::payload_json`] for job events.

use jetcrawl_streams::audit::Action;
use serde_json::{Map, Value};

use crate::payload_json_crawl::robots_policy_changed;
use crate::payload_json_keys::{api_key_issued, api_key_revoked};
use crate::payload_json_report::report_generated;
use crate::payload_json_rgpd::{retention_run, subject_data_exported, subject_erased};

/// The JSON rendering of an audit action; `{}` when it is of a kind newer than this
/// build (the envelope fields are in their own columns).
pub fn action_json(action: Option<&Action>) -> Value {
    match action {
        Some(Action::RobotsPolicyChanged(p)) => robots_policy_changed(p),
        Some(Action::SubjectErased(p)) => subject_erased(p),
        Some(Action::SubjectDataExported(p)) => subject_data_exported(p),
        Some(Action::RetentionRun(p)) => retention_run(p),
        Some(Action::ReportGenerated(p)) => report_generated(p),
        Some(Action::ApiKeyIssued(p)) => api_key_issued(p),
        Some(Action::ApiKeyRevoked(p)) => api_key_revoked(p),
        None => Value::Object(Map::new()),
    }
}
