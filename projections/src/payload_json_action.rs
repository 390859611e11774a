//! Explicit proto → JSON renderings of audit actions for `audit_log.details`, like
//! [`crate::payload_json`] for job events.

use jetcrawl_proto::v1::BrowserToolCalled;
use jetcrawl_streams::audit::Action;
use serde_json::{Map, Value, json};

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
        Some(Action::BrowserToolCalled(p)) => browser_tool_called(p),
        None => Value::Object(Map::new()),
    }
}

/// An MCP tool call: the page's origin only, as recorded (never a full URL).
fn browser_tool_called(p: &BrowserToolCalled) -> Value {
    json!({
        "session_id": p.session_id,
        "tool": p.tool,
        "outcome": p.outcome,
        "error_class": p.error_class,
        "origin": p.origin,
        "worker_id": p.worker_id,
        "duration_ms": p.duration_ms,
        "transport": p.transport,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_tool_call_renders_every_field() {
        let call = Action::BrowserToolCalled(BrowserToolCalled {
            session_id: "5f0c6a2e-1d3b-4c6e-9a7f-2b8d4e6f8a10".into(),
            tool: "click".into(),
            outcome: "observed".into(),
            error_class: String::new(),
            origin: "https://shop.example".into(),
            worker_id: "w1".into(),
            duration_ms: 250,
            transport: "stdio".into(),
        });
        assert_eq!(
            action_json(Some(&call)),
            json!({
                "session_id": "5f0c6a2e-1d3b-4c6e-9a7f-2b8d4e6f8a10",
                "tool": "click",
                "outcome": "observed",
                "error_class": "",
                "origin": "https://shop.example",
                "worker_id": "w1",
                "duration_ms": 250,
                "transport": "stdio",
            })
        );
    }

    #[test]
    fn an_action_of_a_kind_newer_than_this_build_renders_empty() {
        assert_eq!(action_json(None), json!({}));
    }
}
