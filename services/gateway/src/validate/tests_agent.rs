//! Given an agent spec, when validated, then its defaults (or every bad field, named).

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{AgentSpec, Click, ExtractRule, JobSpec, RenderMode, Step};

use super::*;

const SCHEMA: &str =
    r#"{"type": "object", "properties": {"price": {"type": "number"}}, "required": ["price"]}"#;

fn agent_spec(goal: &str, schema: &str) -> JobSpec {
    JobSpec {
        urls: vec!["https://shop.example/kettle".into()],
        agent: Some(AgentSpec {
            goal: goal.into(),
            output_schema: schema.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn fields(spec: JobSpec) -> Vec<(String, String)> {
    validate_spec(spec, &Limits::default())
        .expect_err("must be refused")
        .as_slice()
        .iter()
        .map(|v| (v.field.clone(), v.description.clone()))
        .collect()
}

#[test]
fn an_agent_spec_gets_its_limits_a_browser_and_a_deadline_that_fits() {
    let valid =
        validate_spec(agent_spec("find the price", SCHEMA), &Limits::default()).expect("valid");
    let agent = valid.spec().agent.clone().expect("agent");
    assert_eq!(
        (agent.max_steps, agent.max_seconds, agent.max_tokens),
        (15, 120, 40_000)
    );
    assert_eq!(valid.spec().render, RenderMode::Browser as i32);
    // 120 s for the loop and 15 s to load the start page and store the answer.
    assert_eq!(valid.spec().timeout_ms, 135_000);
}

#[test]
fn every_bad_agent_field_is_named_with_its_fix() {
    let mut spec = agent_spec("  ", r#"{"type": "nonsense"}"#);
    spec.urls.push("https://shop.example/other".into());
    spec.steps.push(Step {
        kind: Some(Kind::Click(Click {
            selector: "#go".into(),
        })),
        timeout_ms: 0,
    });
    spec.extract.push(ExtractRule {
        name: "price".into(),
        selector: ".price".into(),
        ..Default::default()
    });
    if let Some(agent) = spec.agent.as_mut() {
        agent.max_steps = 500;
        agent.max_tokens = 10;
    }
    let found = fields(spec);
    let names: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    for field in [
        "spec.agent.goal",
        "spec.agent.output_schema",
        "spec.agent.max_steps",
        "spec.agent.max_tokens",
        "spec.urls",
        "spec.steps",
        "spec.extract",
    ] {
        assert!(names.contains(&field), "{field} not named in {found:?}");
    }
    let schema = &found
        .iter()
        .find(|(f, _)| f == "spec.agent.output_schema")
        .expect("schema")
        .1;
    assert!(schema.contains("not a valid JSON Schema"), "{schema}");
}

#[test]
fn a_schema_that_is_not_json_or_not_an_object_is_refused() {
    let found = fields(agent_spec("find the price", "{price: number}"));
    assert_eq!(found[0].0, "spec.agent.output_schema");
    assert!(found[0].1.contains("is not JSON"), "{found:?}");
    let found = fields(agent_spec("find the price", "[1, 2]"));
    assert!(found[0].1.contains("must be a JSON object"), "{found:?}");
}

#[test]
fn the_deadline_must_leave_the_loop_its_wall_time() {
    let mut spec = agent_spec("find the price", SCHEMA);
    spec.timeout_ms = 60_000;
    let found = fields(spec);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "spec.timeout_ms");
    assert!(found[0].1.contains("at least 135000 ms"), "{found:?}");
    // A wall time past the longest deadline names max_seconds instead.
    let mut spec = agent_spec("find the price", SCHEMA);
    if let Some(agent) = spec.agent.as_mut() {
        agent.max_seconds = 1_800;
    }
    let found = fields(spec);
    assert_eq!(found[0].0, "spec.agent.max_seconds", "{found:?}");
    assert!(found[0].1.contains("use at most 285 s"), "{found:?}");
}

#[test]
fn an_agent_job_never_runs_over_http() {
    let mut spec = agent_spec("find the price", SCHEMA);
    spec.render = RenderMode::Http as i32;
    let found = fields(spec);
    assert_eq!(found[0].0, "spec.render", "{found:?}");
}
