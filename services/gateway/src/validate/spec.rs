//! The whole submission: a [`ValidSpec`] is the only way past the edge, so code behind
//! the gateway never re-checks a spec.

use std::collections::HashSet;

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{JobSpec, RenderMode, SubmitJobRequest};
use url::Url;

use super::digest::spec_sha256;
use super::extract::check_rules;
use super::labels::{check_idempotency_key, check_labels};
use super::limits::{Limits, MAX_URLS, MIN_JOB_TIMEOUT_MS};
use super::steps::{StepContext, check_steps, kind_name};
use super::target::parse_target;
use super::violations::Violations;

/// A normalised spec that passed every check: URLs in their parsed form, defaults filled
/// in (timeout, AUTO render, TEXT extraction).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSpec {
    spec: JobSpec,
    urls: Vec<Url>,
    domain: String,
}

impl ValidSpec {
    /// The normalised spec, as it goes into `JobSubmitted`.
    pub fn spec(&self) -> &JobSpec {
        &self.spec
    }

    /// The parsed target URLs, in order.
    pub fn urls(&self) -> &[Url] {
        &self.urls
    }

    /// Host of the first URL.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Hex sha256 of the spec's canonical encoding.
    pub fn sha256(&self) -> String {
        spec_sha256(&self.spec)
    }

    /// The normalised spec.
    pub fn into_spec(self) -> JobSpec {
        self.spec
    }
}

/// A checked `SubmitJobRequest`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSubmission {
    /// The spec.
    pub spec: ValidSpec,
    /// The client's idempotency key, `None` when it gave none.
    pub idempotency_key: Option<String>,
}

/// Checks a whole request, reporting every violation.
pub fn validate_submission(
    request: SubmitJobRequest,
    limits: &Limits,
) -> Result<ValidSubmission, Violations> {
    let mut out = Violations::default();
    check_idempotency_key(&request.idempotency_key, &mut out);
    let spec = match request.spec {
        Some(spec) => validate_spec(spec, limits),
        None => {
            out.add(
                "spec",
                "missing; send a job spec with at least one URL in spec.urls",
            );
            return Err(out);
        }
    };
    match spec {
        Ok(spec) => {
            let key = (!request.idempotency_key.is_empty()).then_some(request.idempotency_key);
            out.into_result(ValidSubmission {
                spec,
                idempotency_key: key,
            })
        }
        Err(spec_violations) => {
            out.extend(spec_violations);
            Err(out)
        }
    }
}

/// Checks and normalises one spec, reporting every violation.
pub fn validate_spec(mut spec: JobSpec, limits: &Limits) -> Result<ValidSpec, Violations> {
    let mut out = Violations::default();
    let urls = check_urls(&mut spec.urls, limits, &mut out);
    super::agent::check_agent(&mut spec, limits, &mut out);
    let job_timeout_ms = check_timeout(&mut spec, limits, &mut out);
    check_render(&mut spec, &mut out);
    check_rules(&mut spec.extract, &mut out);
    let rule_names: HashSet<&str> = spec.extract.iter().map(|r| r.name.as_str()).collect();
    let ctx = StepContext {
        limits,
        job_timeout_ms,
        rule_names: &rule_names,
    };
    let mut steps = std::mem::take(&mut spec.steps);
    check_steps(&mut steps, &ctx, &mut out);
    spec.steps = steps;
    super::settle::check_settle(&spec, job_timeout_ms, &mut out);
    super::formats::check_formats(&spec, &mut out);
    super::crawl::check_crawl(&mut spec, &mut out);
    check_labels(&spec.labels, &mut out);
    super::webhook::check_webhook(&mut spec.webhook_url, limits, &mut out);
    super::subject::check_data_subject(&spec.data_subject, &mut out);
    let domain = urls
        .first()
        .and_then(Url::host_str)
        .unwrap_or_default()
        .to_owned();
    out.into_result(ValidSpec { spec, urls, domain })
}

fn check_urls(raw: &mut [String], limits: &Limits, out: &mut Violations) -> Vec<Url> {
    if raw.is_empty() {
        out.add(
            "spec.urls",
            "no URL given; add at least one absolute http or https URL",
        );
    } else if raw.len() > MAX_URLS {
        out.add(
            "spec.urls",
            format!(
                "{} URLs given; the limit is {MAX_URLS}: split them into several jobs",
                raw.len()
            ),
        );
    }
    let mut urls = Vec::with_capacity(raw.len());
    for (index, text) in raw.iter_mut().enumerate() {
        match parse_target(text, limits) {
            Ok(url) => {
                *text = url.to_string();
                urls.push(url);
            }
            Err(why) => out.add(format!("spec.urls[{index}]"), why),
        }
    }
    urls
}

/// Fills in the default deadline and returns the effective one.
fn check_timeout(spec: &mut JobSpec, limits: &Limits, out: &mut Violations) -> u32 {
    let max = limits.max_job_timeout_ms;
    let default = limits.default_job_timeout_ms();
    if spec.timeout_ms == 0 {
        spec.timeout_ms = default;
    } else if !(MIN_JOB_TIMEOUT_MS..=max).contains(&spec.timeout_ms) {
        out.add(
            "spec.timeout_ms",
            format!(
                "{} ms is outside {MIN_JOB_TIMEOUT_MS}..={max} ms; pick a deadline in that range, or 0 for the default {default} ms",
                spec.timeout_ms
            ),
        );
    }
    spec.timeout_ms
}

fn check_render(spec: &mut JobSpec, out: &mut Violations) {
    match RenderMode::try_from(spec.render) {
        Ok(RenderMode::Unspecified) => spec.render = RenderMode::Auto as i32,
        Ok(RenderMode::Http) => {
            let browser_step = spec
                .steps
                .iter()
                .enumerate()
                .find_map(|(index, step)| match &step.kind {
                    Some(Kind::Extract(_)) | None => None,
                    Some(kind) => Some((index, kind_name(kind))),
                });
            if let Some((index, kind)) = browser_step {
                out.add(
                    "spec.render",
                    format!(
                        "render HTTP cannot run step spec.steps[{index}] ({kind}): only extract steps work without a browser; use render BROWSER or AUTO"
                    ),
                );
            }
        }
        Ok(_) => {}
        Err(_) => out.add(
            "spec.render",
            format!(
                "unknown render mode {}; use HTTP, BROWSER or AUTO",
                spec.render
            ),
        ),
    }
}
