//! An agent job (ADR 0045): a goal, an output schema that is a valid JSON Schema, limits
//! in range, one start URL, no steps or rules of its own, a browser, and a deadline that
//! leaves the loop its wall time.

use jetcrawl_agent::{AgentLimits, OutputSchema};
use jetcrawl_proto::v1::{AgentSpec, JobSpec, RenderMode};

use super::limits::Limits;
use super::violations::Violations;

/// Longest goal, in characters.
pub const MAX_GOAL_CHARS: usize = 2_000;
/// Longest output schema, in bytes of JSON text.
pub const MAX_SCHEMA_BYTES: usize = 16 * 1024;
/// What the job's deadline adds to the loop's wall time: the start page's load before
/// the first turn, and storing the result after the last.
const DEADLINE_MARGIN_MS: u32 = 15_000;

/// Checks `spec.agent` and fills in its defaults: the limits, render BROWSER, and a
/// deadline that fits the loop when `timeout_ms` is unset. Runs before the deadline and
/// render checks, which then see the filled-in values.
pub fn check_agent(spec: &mut JobSpec, limits: &Limits, out: &mut Violations) {
    let Some(agent) = spec.agent.as_mut() else {
        return;
    };
    check_goal(agent, out);
    check_schema(&agent.output_schema, out);
    let resolved =
        match AgentLimits::from_fields(agent.max_steps, agent.max_seconds, agent.max_tokens) {
            Ok(resolved) => {
                agent.max_steps = resolved.max_steps;
                agent.max_seconds = resolved.max_seconds;
                agent.max_tokens = resolved.max_tokens;
                Some(resolved)
            }
            Err(errors) => {
                for err in errors {
                    out.add(format!("spec.{}", err.field), err.to_string());
                }
                None
            }
        };
    if spec.urls.len() > 1 {
        out.add(
            "spec.urls",
            format!(
                "an agent job starts from one URL and finds its way from there; {} given: keep the start page only",
                spec.urls.len()
            ),
        );
    }
    if !spec.steps.is_empty() {
        out.add(
            "spec.steps",
            "an agent job picks its own steps; remove spec.steps, or drop spec.agent for a declarative job",
        );
    }
    if !spec.extract.is_empty() {
        out.add(
            "spec.extract",
            "an agent job answers in the shape of spec.agent.output_schema; remove spec.extract",
        );
    }
    match RenderMode::try_from(spec.render) {
        Ok(RenderMode::Unspecified | RenderMode::Auto) => spec.render = RenderMode::Browser as i32,
        Ok(RenderMode::Http) => out.add(
            "spec.render",
            "an agent job drives a browser; use render BROWSER, or leave it unset",
        ),
        _ => {}
    }
    if let Some(resolved) = resolved {
        check_deadline(spec, resolved.max_seconds, limits, out);
    }
}

fn check_goal(agent: &AgentSpec, out: &mut Violations) {
    let chars = agent.goal.chars().count();
    if agent.goal.trim().is_empty() {
        out.add(
            "spec.agent.goal",
            "empty; say in words what to find, e.g. \"the price and the delivery time of this product\"",
        );
    } else if chars > MAX_GOAL_CHARS {
        out.add(
            "spec.agent.goal",
            format!("{chars} characters; the limit is {MAX_GOAL_CHARS}: say it more briefly"),
        );
    }
}

fn check_schema(text: &str, out: &mut Violations) {
    let field = "spec.agent.output_schema";
    if text.trim().is_empty() {
        out.add(
            field,
            "empty; give the answer's JSON Schema, e.g. {\"type\": \"object\", \"properties\": {\"price\": {\"type\": \"number\"}}}",
        );
        return;
    }
    if text.len() > MAX_SCHEMA_BYTES {
        out.add(
            field,
            format!(
                "{} bytes; the limit is {MAX_SCHEMA_BYTES}: describe only the fields the answer needs",
                text.len()
            ),
        );
        return;
    }
    let value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => {
            out.add(
                field,
                format!("is not JSON ({err}); send the schema as a JSON object"),
            );
            return;
        }
    };
    if let Err(err) = OutputSchema::compile(value) {
        out.add(field, err.to_string());
    }
}

/// The loop's wall time must fit in the job's deadline (and so under the longest one).
fn check_deadline(spec: &mut JobSpec, max_seconds: u32, limits: &Limits, out: &mut Violations) {
    let needed = max_seconds
        .saturating_mul(1_000)
        .saturating_add(DEADLINE_MARGIN_MS);
    let max = limits.max_job_timeout_ms;
    if needed > max {
        out.add(
            "spec.agent.max_seconds",
            format!(
                "{max_seconds} s and the {} s margin exceed the longest job deadline here ({max} ms); use at most {} s",
                DEADLINE_MARGIN_MS / 1_000,
                max.saturating_sub(DEADLINE_MARGIN_MS) / 1_000
            ),
        );
    } else if spec.timeout_ms == 0 {
        spec.timeout_ms = needed;
    } else if spec.timeout_ms < needed {
        out.add(
            "spec.timeout_ms",
            format!(
                "{} ms leaves no room for spec.agent.max_seconds = {max_seconds} plus {} s to load the start page and store the answer; raise it to at least {needed} ms, lower max_seconds, or leave timeout_ms unset",
                spec.timeout_ms,
                DEADLINE_MARGIN_MS / 1_000
            ),
        );
    }
}
