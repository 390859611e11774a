//! Explicit proto → JSON renderings of event payloads for `job_events.payload`.
//!
//! prost types are not serde, and a generic reflection would expose every field with
//! proto names; auditors get a stable, readable shape instead, written out by hand so a
//! new proto field appears here only when someone decides it should.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    Artifact, AttemptError, ExtractKind, ExtractRule, JobAttemptFailed, JobCancelRequested,
    JobCancelled, JobDeadLettered, JobDeferred, JobFailed, JobReplayed, JobSpec, JobStarted,
    JobSubmitted, JobSucceeded, OutputFormat, RenderMode, ResultExpired, SettleRule, Step,
    WebhookDelivered, WebhookFailed,
};
use serde_json::{Map, Value, json};

use crate::payload_time::rfc3339;

/// The JSON rendering of a payload; `{}` when the payload is of a type newer than this
/// build (the envelope fields are in their own columns).
pub fn payload_json(payload: Option<&Payload>) -> Value {
    match payload {
        Some(Payload::JobSubmitted(p)) => submitted(p),
        Some(Payload::JobStarted(p)) => started(p),
        Some(Payload::JobSucceeded(p)) => succeeded(p),
        Some(Payload::JobAttemptFailed(p)) => attempt_failed(p),
        Some(Payload::JobFailed(p)) => failed(p),
        Some(Payload::JobCancelled(p)) => cancelled(p),
        Some(Payload::JobDeferred(p)) => deferred(p),
        Some(Payload::JobDeadLettered(p)) => dead_lettered(p),
        Some(Payload::JobReplayed(p)) => replayed(p),
        Some(Payload::JobCancelRequested(p)) => cancel_requested(p),
        Some(Payload::ResultExpired(p)) => result_expired(p),
        Some(Payload::WebhookDelivered(p)) => webhook_delivered(p),
        Some(Payload::WebhookFailed(p)) => webhook_failed(p),
        Some(Payload::RobotsDisallowed(p)) => crate::payload_json_crawl::robots_disallowed(p),
        Some(Payload::AgentTurn(p)) => crate::payload_json_agent::agent_turn(p),
        Some(Payload::StepExecuted(p)) => crate::payload_json_agent::step_executed(p),
        Some(Payload::AgentFinished(p)) => crate::payload_json_agent::agent_finished(p),
        Some(Payload::CrawlPagesQueued(p)) => crate::payload_json_crawl::pages_queued(p),
        Some(Payload::CrawlPageFinished(p)) => crate::payload_json_crawl::page_finished(p),
        None => Value::Object(Map::new()),
    }
}

/// Lower-case name of a render mode (`http`, `browser`, `auto`, `unspecified`).
pub fn render_mode_name(mode: i32) -> &'static str {
    match RenderMode::try_from(mode) {
        Ok(RenderMode::Http) => "http",
        Ok(RenderMode::Browser) => "browser",
        Ok(RenderMode::Auto) => "auto",
        Ok(RenderMode::Unspecified) | Err(_) => "unspecified",
    }
}

/// Labels as a JSON object with sorted keys.
pub fn labels_json<'a>(labels: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    let map: Map<String, Value> = labels
        .into_iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Value::Object(map)
}

fn submitted(p: &JobSubmitted) -> Value {
    json!({
        "spec": p.spec.as_ref().map(spec),
        "idempotency_key": p.idempotency_key,
        "spec_sha256": p.spec_sha256,
        "subject_ref": p.subject_ref,
        "domain": p.domain,
    })
}

fn spec(s: &JobSpec) -> Value {
    let mut value = json!({
        "urls": s.urls,
        "steps": s.steps.iter().map(step).collect::<Vec<_>>(),
        "extract": s.extract.iter().map(rule).collect::<Vec<_>>(),
        "render": render_mode_name(s.render),
        "timeout_ms": s.timeout_ms,
        "labels": labels_json(&s.labels),
        "webhook_url": s.webhook_url,
        "data_subject": s.data_subject,
    });
    if let (Some(settle), Some(object)) = (&s.settle, value.as_object_mut()) {
        let settle = json!({
            "rule": settle_rule_name(settle.rule),
            "selector": settle.selector,
            "text": settle.text,
            "timeout_ms": settle.timeout_ms,
        });
        object.insert("settle".to_owned(), settle);
    }
    if let (false, Some(object)) = (s.formats.is_empty(), value.as_object_mut()) {
        let names: Vec<String> = s
            .formats
            .iter()
            .map(|&f| match OutputFormat::try_from(f) {
                Ok(format) => format
                    .as_str_name()
                    .trim_start_matches("OUTPUT_FORMAT_")
                    .to_lowercase(),
                Err(_) => format!("unknown({f})"),
            })
            .collect();
        object.insert("formats".to_owned(), json!(names));
    }
    if let (Some(agent), Some(object)) = (&s.agent, value.as_object_mut()) {
        let agent = json!({
            "goal": agent.goal,
            "output_schema": agent.output_schema,
            "max_steps": agent.max_steps,
            "max_seconds": agent.max_seconds,
            "max_tokens": agent.max_tokens,
        });
        object.insert("agent".to_owned(), agent);
    }
    if let (Some(crawl), Some(object)) = (&s.crawl, value.as_object_mut()) {
        object.insert(
            "crawl".to_owned(),
            crate::payload_json_crawl::crawl_spec(crawl),
        );
    }
    if let (Some(page), Some(object)) = (&s.page, value.as_object_mut()) {
        let page = json!({
            "crawl_id": page.crawl_id,
            "depth": page.depth,
            "start_hosts": page.start_hosts,
        });
        object.insert("page".to_owned(), page);
    }
    value
}

/// The API name of a settle rule (ADR 0035); unset is the default, quiet.
fn settle_rule_name(rule: i32) -> &'static str {
    match SettleRule::try_from(rule) {
        Ok(SettleRule::Quiet | SettleRule::Unspecified) => "quiet",
        Ok(SettleRule::Load) => "load",
        Ok(SettleRule::NetworkIdle) => "network_idle",
        Ok(SettleRule::Selector) => "selector",
        Ok(SettleRule::Text) => "text",
        Err(_) => "unknown",
    }
}

pub(crate) fn step(s: &Step) -> Value {
    let mut value = match &s.kind {
        Some(Kind::Navigate(n)) => json!({"navigate": {"url": n.url}}),
        Some(Kind::WaitFor(w)) => json!({"wait_for": {"selector": w.selector}}),
        Some(Kind::WaitForText(w)) => {
            json!({"wait_for_text": {"text": w.text, "selector": w.selector}})
        }
        Some(Kind::Click(c)) => json!({"click": {"selector": c.selector}}),
        Some(Kind::Type(t)) => json!({"type": {"selector": t.selector, "text": t.text}}),
        Some(Kind::Scroll(s)) => json!({"scroll": {"selector": s.selector, "pixels": s.pixels}}),
        Some(Kind::Extract(e)) => json!({"extract": {"rules": e.rules}}),
        Some(Kind::Screenshot(s)) => {
            json!({"screenshot": {"name": s.name, "full_page": s.full_page}})
        }
        None => json!({"unknown": {}}),
    };
    if s.timeout_ms != 0
        && let Some(object) = value.as_object_mut()
    {
        object.insert("timeout_ms".to_owned(), json!(s.timeout_ms));
    }
    value
}

fn rule(r: &ExtractRule) -> Value {
    let kind = match ExtractKind::try_from(r.kind) {
        Ok(ExtractKind::Text) => "text",
        Ok(ExtractKind::Attribute) => "attribute",
        Ok(ExtractKind::Html) => "html",
        Ok(ExtractKind::Unspecified) | Err(_) => "unspecified",
    };
    json!({
        "name": r.name,
        "selector": r.selector,
        "kind": kind,
        "attribute": r.attribute,
        "many": r.many,
        "required": r.required,
    })
}

fn started(p: &JobStarted) -> Value {
    json!({"attempt": p.attempt, "worker_id": p.worker_id})
}

fn succeeded(p: &JobSucceeded) -> Value {
    let mut value = json!({
        "attempt": p.attempt,
        "result_key": p.result_key,
        "result_size": p.result_size,
        "result_sha256": p.result_sha256,
        "artifacts": p.artifacts.iter().map(artifact).collect::<Vec<_>>(),
        "mode_used": render_mode_name(p.mode_used),
        "duration_ms": p.duration_ms,
    });
    if let (Some(settle), Some(object)) = (&p.settle, value.as_object_mut()) {
        let settle = json!({
            "rule": settle_rule_name(settle.rule),
            "settled_pages": settle.settled_pages,
            "unsettled_pages": settle.unsettled_pages,
        });
        object.insert("settle".to_owned(), settle);
    }
    value
}

fn artifact(a: &Artifact) -> Value {
    json!({
        "name": a.name,
        "key": a.key,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
    })
}

fn attempt_failed(p: &JobAttemptFailed) -> Value {
    let next = rfc3339(p.next_attempt_at.as_ref());
    json!({
        "attempt": p.attempt,
        "error_class": p.error_class,
        "message": p.message,
        "retryable": p.retryable,
        "next_attempt_at": next,
        "duration_ms": p.duration_ms,
    })
}

fn failed(p: &JobFailed) -> Value {
    json!({"attempts": p.attempts, "error_class": p.error_class, "message": p.message})
}

fn cancelled(p: &JobCancelled) -> Value {
    json!({"reason": p.reason})
}

fn deferred(p: &JobDeferred) -> Value {
    json!({
        "not_before": rfc3339(p.not_before.as_ref()),
        "reason": p.reason,
        "domain": p.domain,
        "cause": p.cause,
        "slot_reserved": p.slot_reserved,
    })
}

/// One attempt's error as JSON (also the shape of `dead_letters.attempt_errors`).
pub fn attempt_error_json(e: &AttemptError) -> Value {
    json!({"attempt": e.attempt, "error_class": e.error_class, "message": e.message})
}

fn dead_lettered(p: &JobDeadLettered) -> Value {
    json!({
        "reason": p.reason,
        "attempts": p.attempts.iter().map(attempt_error_json).collect::<Vec<_>>(),
        "error_class": p.error_class,
        "message": p.message,
    })
}

fn replayed(p: &JobReplayed) -> Value {
    json!({"by": p.by, "reason": p.reason})
}

fn cancel_requested(p: &JobCancelRequested) -> Value {
    json!({"reason": p.reason, "by": p.by})
}

#[cfg(test)]
#[path = "payload_json_tests.rs"]
mod tests;

fn result_expired(p: &ResultExpired) -> Value {
    json!({
        "keys": p.keys,
        "reason": p.reason,
        "retention_secs": p.retention_secs,
        "stored_at": rfc3339(p.stored_at.as_ref()),
    })
}

fn webhook_delivered(p: &WebhookDelivered) -> Value {
    json!({
        "webhook_id": p.webhook_id,
        "attempt": p.attempt,
        "status_code": p.status_code,
        "duration_ms": p.duration_ms,
        "event_type": p.event_type,
        "endpoint_host": p.endpoint_host,
    })
}

fn webhook_failed(p: &WebhookFailed) -> Value {
    json!({
        "webhook_id": p.webhook_id,
        "attempt": p.attempt,
        "status_code": p.status_code,
        "error": p.error,
        "retrying": p.retrying,
        "next_attempt_at": rfc3339(p.next_attempt_at.as_ref()),
        "endpoint_disabled": p.endpoint_disabled,
        "duration_ms": p.duration_ms,
        "event_type": p.event_type,
        "endpoint_host": p.endpoint_host,
    })
}
