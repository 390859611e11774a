//! A job spec from the command line: a JSON or YAML file in the HTTP API's shape
//! (`--spec job.yaml`), completed by flags. Every mistake is a usage error naming the
//! flag or the path in the file, and nothing is sent.

use std::collections::BTreeMap;
use std::path::Path;

use jetcrawl_gateway::http::dto::{
    AgentDto, ExtractKindDto, ExtractRuleDto, FormatDto, JobSpecDto, RenderDto, ScreenshotDto,
    SettleDto, SettleRuleDto, StepDto, StepKindDto,
};
use jetcrawl_proto::v1::JobSpec;
use serde::de::DeserializeOwned;

use crate::args::{Format, Render, SubmitArgs};
use crate::exit::UsageError;

/// The spec `args` describe.
pub fn build(args: &SubmitArgs) -> Result<JobSpec, UsageError> {
    let mut dto = match &args.spec {
        Some(path) => from_file(path)?,
        None => JobSpecDto::default(),
    };
    dto.urls.extend(args.urls.iter().cloned());
    if dto.urls.is_empty() {
        return Err(UsageError(
            "no URL: give at least one, as arguments or as `urls:` in --spec".to_owned(),
        ));
    }
    if let Some(render) = args.render {
        dto.render = Some(render_dto(render));
    }
    for raw in &args.extract {
        dto.extract.push(rule(raw, "--extract", false)?);
    }
    for raw in &args.extract_html {
        dto.extract.push(rule(raw, "--extract-html", true)?);
    }
    for raw in &args.step {
        dto.steps.push(parse::<StepDto>(raw, "--step")?);
    }
    for name in &args.screenshot {
        dto.steps.push(StepDto {
            kind: Some(StepKindDto::Screenshot(ScreenshotDto {
                name: name.clone(),
                full_page: true,
            })),
            timeout_ms: 0,
        });
    }
    dto.labels.extend(labels(&args.label)?);
    if let Some(url) = &args.webhook {
        dto.webhook_url = url.clone();
    }
    if let Some(subject) = &args.data_subject {
        dto.data_subject = subject.clone();
    }
    if let Some(raw) = &args.settle {
        dto.settle = Some(settle(raw)?);
    }
    if args.timeout_ms != 0 {
        dto.timeout_ms = args.timeout_ms;
    }
    for format in &args.format {
        let format = format_dto(*format);
        if !dto.formats.contains(&format) {
            dto.formats.push(format);
        }
    }
    if let Some(goal) = &args.agent {
        dto.agent = Some(agent(goal, args)?);
    }
    Ok(JobSpec::from(dto))
}

/// `--agent GOAL --schema FILE` and the agent's limits.
/// The API's name of a `--render`.
pub fn render_dto(render: Render) -> RenderDto {
    match render {
        Render::Http => RenderDto::Http,
        Render::Browser => RenderDto::Browser,
        Render::Auto => RenderDto::Auto,
    }
}

/// The API's name of a `--format`.
pub fn format_dto(format: Format) -> FormatDto {
    match format {
        Format::Markdown => FormatDto::Markdown,
        Format::Html => FormatDto::Html,
        Format::RawHtml => FormatDto::RawHtml,
        Format::Links => FormatDto::Links,
        Format::Metadata => FormatDto::Metadata,
    }
}

fn agent(goal: &str, args: &SubmitArgs) -> Result<AgentDto, UsageError> {
    let path = args.schema.as_deref().ok_or_else(|| {
        UsageError("--agent needs --schema FILE: the answer's JSON Schema".to_owned())
    })?;
    let origin = format!("--schema {}", path.display());
    let text = read(path, &origin)?;
    let output_schema: serde_json::Value = parse(&text, &origin)?;
    Ok(AgentDto {
        goal: goal.to_owned(),
        output_schema,
        max_steps: args.max_steps,
        max_seconds: args.max_seconds,
        max_tokens: args.max_tokens,
    })
}

fn from_file(path: &Path) -> Result<JobSpecDto, UsageError> {
    let origin = format!("--spec {}", path.display());
    parse(&read(path, &origin)?, &origin)
}

/// The file at `path` (`-`: stdin).
fn read(path: &Path, origin: &str) -> Result<String, UsageError> {
    if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|err| UsageError(format!("{origin}: cannot read it: {err}")))
}

/// `text` as JSON (when it starts with `{`) or YAML, with the failing path named.
fn parse<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, UsageError> {
    let failed = |path: String, err: String| {
        let at = if path == "." {
            String::new()
        } else {
            format!(" at {path}")
        };
        UsageError(format!("{origin}{at}: {err}"))
    };
    if text.trim_start().starts_with('{') {
        let mut json = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut json)
            .map_err(|err| failed(err.path().to_string(), err.into_inner().to_string()))
    } else {
        serde_path_to_error::deserialize(serde_norway::Deserializer::from_str(text))
            .map_err(|err| failed(err.path().to_string(), err.into_inner().to_string()))
    }
}

/// `NAME=SELECTOR`, with `NAME[]` for every match, `NAME!` for required, and
/// `SELECTOR@ATTRIBUTE` for an attribute (text rules only).
fn rule(raw: &str, flag: &str, html: bool) -> Result<ExtractRuleDto, UsageError> {
    let (name, selector) = raw.split_once('=').ok_or_else(|| {
        UsageError(format!(
            "{flag} {raw:?}: expected NAME=SELECTOR, e.g. title=h1 or links[]=a@href"
        ))
    })?;
    let (name, required) = match name.strip_suffix('!') {
        Some(name) => (name, true),
        None => (name, false),
    };
    let (name, many) = match name.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (name, false),
    };
    let (selector, kind, attribute) = match selector.rsplit_once('@') {
        Some((css, attr)) if !html && is_attribute_name(attr) => {
            (css, ExtractKindDto::Attribute, attr.to_owned())
        }
        _ if html => (selector, ExtractKindDto::Html, String::new()),
        _ => (selector, ExtractKindDto::Text, String::new()),
    };
    Ok(ExtractRuleDto {
        name: name.to_owned(),
        selector: selector.to_owned(),
        kind: Some(kind),
        attribute,
        many,
        required,
    })
}

fn is_attribute_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
}

fn labels(pairs: &[String]) -> Result<BTreeMap<String, String>, UsageError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    UsageError(format!(
                        "--label {pair:?}: expected KEY=VALUE, e.g. team=pricing"
                    ))
                })
        })
        .collect()
}

/// `quiet`, `load`, `network_idle`, `selector=CSS` or `text=TEXT`.
fn settle(raw: &str) -> Result<SettleDto, UsageError> {
    let (rule, arg) = match raw.split_once('=') {
        Some((rule, arg)) => (rule, arg.to_owned()),
        None => (raw, String::new()),
    };
    let (rule, selector, text) = match (rule, arg.is_empty()) {
        ("quiet", true) => (SettleRuleDto::Quiet, String::new(), String::new()),
        ("load", true) => (SettleRuleDto::Load, String::new(), String::new()),
        ("network_idle", true) => (SettleRuleDto::NetworkIdle, String::new(), String::new()),
        ("selector", false) => (SettleRuleDto::Selector, arg, String::new()),
        ("text", false) => (SettleRuleDto::Text, String::new(), arg),
        _ => {
            return Err(UsageError(format!(
                "--settle {raw:?}: expected quiet, load, network_idle, selector=CSS or text=TEXT"
            )));
        }
    };
    Ok(SettleDto {
        rule: Some(rule),
        selector,
        text,
        timeout_ms: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extract_flags_say_many_required_and_attribute() {
        let single = rule("title=h1#main", "--extract", false).expect("parses");
        assert_eq!(
            (
                single.name.as_str(),
                single.selector.as_str(),
                single.many,
                single.required
            ),
            ("title", "h1#main", false, false)
        );
        let links = rule("links[]!=a.item@href", "--extract", false).expect("parses");
        assert_eq!(
            (
                links.name.as_str(),
                links.selector.as_str(),
                links.many,
                links.required
            ),
            ("links", "a.item", true, true)
        );
        assert_eq!(
            (links.kind, links.attribute.as_str()),
            (Some(ExtractKindDto::Attribute), "href")
        );
        let quoted = rule("mail=a[href*=\"@x\"]", "--extract", false).expect("parses");
        assert_eq!(
            quoted.kind,
            Some(ExtractKindDto::Text),
            "an @ inside a selector"
        );
        let html = rule("body=main", "--extract-html", true).expect("parses");
        assert_eq!(html.kind, Some(ExtractKindDto::Html));
        let err = rule("title", "--extract", false).expect_err("no selector");
        assert!(err.to_string().contains("--extract \"title\""), "{err}");
    }

    #[test]
    fn a_yaml_spec_is_read_and_a_typo_is_named_with_its_path() {
        let spec: JobSpecDto = parse(
            "urls: [https://example.com/]\nrender: browser\nsteps:\n  - click: {selector: '#go'}\n  - wait_for_text: {text: Price}\nextract:\n  - {name: price, selector: .price, required: true}\n",
            "--spec job.yaml",
        )
        .expect("parses");
        assert_eq!(spec.steps.len(), 2);
        assert_eq!(spec.render, Some(RenderDto::Browser));
        assert!(spec.extract[0].required);
        let err = parse::<JobSpecDto>(
            "urls: [https://example.com/]\nextract:\n  - {name: p, selectr: .p}\n",
            "--spec job.yaml",
        )
        .expect_err("typo");
        let message = err.to_string();
        assert!(
            message.contains("--spec job.yaml at extract[0]"),
            "{message}"
        );
        assert!(message.contains("selectr"), "{message}");
        let json: StepDto = parse(r##"{"click": {"selector": "#go"}}"##, "--step").expect("json");
        assert!(matches!(json.kind, Some(StepKindDto::Click(_))));
    }

    #[test]
    fn settle_and_labels_parse_or_say_what_is_expected() {
        assert_eq!(
            settle("selector=#content").expect("parses").rule,
            Some(SettleRuleDto::Selector)
        );
        assert!(settle("soon").is_err());
        assert!(
            settle("selector").is_err(),
            "a selector rule needs its selector"
        );
        let parsed = labels(&["team=pricing".to_owned()]).expect("parses");
        assert_eq!(parsed["team"], "pricing");
        assert!(labels(&["team".to_owned()]).is_err());
    }
}
