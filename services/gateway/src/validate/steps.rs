//! Browser steps: exactly one kind each, valid selectors and URLs, unique screenshot
//! names, and deadlines within the job's.

use std::collections::{HashMap, HashSet};

use jetcrawl_proto::v1::Step;
use jetcrawl_proto::v1::step::Kind;

use super::limits::{Limits, MAX_SCREENSHOT_NAME_CHARS, MAX_STEPS, MAX_TYPE_TEXT_CHARS, quote};
use super::selector::check_selector;
use super::settle::check_wait_text;
use super::target::parse_target;
use super::violations::Violations;

/// Names of the step kinds, as written in the API.
pub const STEP_KINDS: &str =
    "navigate, wait_for, wait_for_text, click, type, scroll, extract, screenshot";

/// What the step checks need to know about the rest of the spec.
pub struct StepContext<'a> {
    /// Deployment limits.
    pub limits: &'a Limits,
    /// The job's effective deadline.
    pub job_timeout_ms: u32,
    /// Names of the spec's extraction rules.
    pub rule_names: &'a HashSet<&'a str>,
}

/// API name of a step kind.
pub fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Navigate(_) => "navigate",
        Kind::WaitFor(_) => "wait_for",
        Kind::WaitForText(_) => "wait_for_text",
        Kind::Click(_) => "click",
        Kind::Type(_) => "type",
        Kind::Scroll(_) => "scroll",
        Kind::Extract(_) => "extract",
        Kind::Screenshot(_) => "screenshot",
    }
}

/// Checks every step and normalises navigate URLs.
pub fn check_steps(steps: &mut [Step], ctx: &StepContext<'_>, out: &mut Violations) {
    if steps.len() > MAX_STEPS {
        out.add(
            "spec.steps",
            format!(
                "{} steps given; the limit is {MAX_STEPS}: split the work into several jobs",
                steps.len()
            ),
        );
    }
    let mut screenshots: HashMap<String, usize> = HashMap::new();
    for (index, step) in steps.iter_mut().enumerate() {
        let path = format!("spec.steps[{index}]");
        if step.timeout_ms > ctx.job_timeout_ms {
            out.add(
                format!("{path}.timeout_ms"),
                format!(
                    "step deadline {} ms exceeds the job deadline {} ms; lower it or raise spec.timeout_ms",
                    step.timeout_ms, ctx.job_timeout_ms
                ),
            );
        }
        match &mut step.kind {
            None => out.add(&path, format!("step has no kind; set one of {STEP_KINDS}")),
            Some(kind) => check_kind(kind, &path, ctx, &mut screenshots, index, out),
        }
    }
}

fn check_kind(
    kind: &mut Kind,
    path: &str,
    ctx: &StepContext<'_>,
    screenshots: &mut HashMap<String, usize>,
    index: usize,
    out: &mut Violations,
) {
    let selector = |field: &str, selector: &str, out: &mut Violations| {
        if let Err(why) = check_selector(selector) {
            out.add(format!("{path}.{field}"), why);
        }
    };
    match kind {
        Kind::Navigate(nav) => match parse_target(&nav.url, ctx.limits) {
            Ok(url) => nav.url = url.into(),
            Err(why) => out.add(format!("{path}.navigate.url"), why),
        },
        Kind::WaitFor(wait) => selector("wait_for.selector", &wait.selector, out),
        Kind::WaitForText(wait) => {
            let field = format!("{path}.wait_for_text.text");
            check_wait_text(&wait.text, &field, "wait_for_text", out);
            if !wait.selector.is_empty() {
                selector("wait_for_text.selector", &wait.selector, out);
            }
        }
        Kind::Click(click) => selector("click.selector", &click.selector, out),
        Kind::Type(typed) => {
            selector("type.selector", &typed.selector, out);
            let chars = typed.text.chars().count();
            if chars > MAX_TYPE_TEXT_CHARS {
                out.add(
                    format!("{path}.type.text"),
                    format!("text is {chars} characters long; the limit is {MAX_TYPE_TEXT_CHARS}"),
                );
            }
        }
        Kind::Scroll(scroll) => {
            if !scroll.selector.is_empty() {
                selector("scroll.selector", &scroll.selector, out);
            } else if scroll.pixels == 0 {
                out.add(
                    format!("{path}.scroll"),
                    "scroll has neither a selector nor pixels; set a selector to scroll to, or non-zero pixels",
                );
            }
        }
        Kind::Extract(extract) => check_rule_refs(&extract.rules, path, ctx, out),
        Kind::Screenshot(shot) => check_screenshot(&shot.name, path, index, screenshots, out),
    }
}

/// An extract step may only name rules that exist.
fn check_rule_refs(rules: &[String], path: &str, ctx: &StepContext<'_>, out: &mut Violations) {
    for (rule_index, rule) in rules.iter().enumerate() {
        if !ctx.rule_names.contains(rule.as_str()) {
            out.add(
                format!("{path}.extract.rules[{rule_index}]"),
                format!(
                    "{} is not the name of a rule in spec.extract; add the rule or remove the name",
                    quote(rule)
                ),
            );
        }
    }
}

/// Screenshot names become artifact file names: well-formed and unique in the job.
fn check_screenshot(
    name: &str,
    path: &str,
    index: usize,
    seen: &mut HashMap<String, usize>,
    out: &mut Violations,
) {
    let field = format!("{path}.screenshot.name");
    if !is_screenshot_name(name) {
        out.add(
            field,
            format!(
                "{} is not a valid screenshot name; use 1 to {MAX_SCREENSHOT_NAME_CHARS} of a-z A-Z 0-9 _ -",
                quote(name)
            ),
        );
    } else if let Some(first) = seen.get(name) {
        out.add(
            field,
            format!(
                "{} is already used by spec.steps[{first}]; screenshot names must be unique",
                quote(name)
            ),
        );
    } else {
        seen.insert(name.to_owned(), index);
    }
}

fn is_screenshot_name(name: &str) -> bool {
    (1..=MAX_SCREENSHOT_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
