//! Given output formats, when validated, then kept (or each bad one named).

use jetcrawl_proto::v1::{AgentSpec, JobSpec, OutputFormat};

use super::*;

fn with_formats(formats: &[i32]) -> JobSpec {
    JobSpec {
        urls: vec!["https://example.com/".into()],
        formats: formats.to_vec(),
        ..Default::default()
    }
}

#[test]
fn known_formats_are_kept_in_order() {
    let asked = [OutputFormat::Links as i32, OutputFormat::Markdown as i32];
    let valid = validate_spec(with_formats(&asked), &Limits::default()).expect("valid");
    assert_eq!(valid.spec().formats, asked);
}

#[test]
fn unknown_and_repeated_formats_name_their_index() {
    let markdown = OutputFormat::Markdown as i32;
    let found = validate_spec(with_formats(&[markdown, 42, markdown]), &Limits::default())
        .expect_err("refused");
    let fields: Vec<&str> = found.as_slice().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["spec.formats[1]", "spec.formats[2]"]);
    assert!(
        found.as_slice()[0].description.contains("use MARKDOWN"),
        "{found}"
    );
    assert!(found.as_slice()[1].description.contains("twice"), "{found}");
}

#[test]
fn an_agent_job_has_no_pages_to_format() {
    let mut spec = with_formats(&[OutputFormat::Markdown as i32]);
    spec.agent = Some(AgentSpec {
        goal: "find the price".into(),
        output_schema: r#"{"type": "object"}"#.into(),
        ..Default::default()
    });
    let found = validate_spec(spec, &Limits::default()).expect_err("refused");
    assert_eq!(found.as_slice()[0].field, "spec.formats", "{found}");
}
