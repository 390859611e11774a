//! The in-page script: one `Runtime.evaluate` runs a segment of steps (the settle wait,
//! wait_for, wait_for_text, click, type, scroll, extract) and returns JSON. Steps are grouped into
//! segments so a page costs one round trip, split where Rust must act between them
//! (screenshots, navigations) or where a click may load a new document.

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{ExtractKind, ExtractRule, Step};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::settle::{PageSettle, QUIET_MS, SettlePlan};
use crate::error::{ErrorClass, JobError};

const PAGE_JS: &str = include_str!("page.js");

/// The settle wait ends this long before the job deadline at the latest, so the page is
/// still read and its answer back in time, also on a busy machine.
pub const SETTLE_MARGIN_MS: u64 = 300;

/// One step as the script sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScriptStep {
    /// Position in the spec, for messages.
    pub index: usize,
    /// wait_for, wait_for_text, click, type, scroll or extract.
    pub op: &'static str,
    /// Target element, when the op has one.
    pub selector: String,
    /// Text to type, or to wait for.
    pub text: String,
    /// Pixels to scroll when no selector is given.
    pub pixels: i32,
    /// Rules an extract step runs (empty: all).
    pub rules: Vec<String>,
    /// Step deadline.
    pub timeout_ms: u64,
}

/// A run of script steps evaluated in one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segment {
    /// Wait for the page to settle (the job's rule) first.
    pub wait_ready: bool,
    /// The steps.
    pub steps: Vec<ScriptStep>,
    /// Run every rule after the steps.
    pub final_extract: bool,
}

/// What a page visit does, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Evaluate a segment.
    Script(Segment),
    /// Capture a PNG.
    Screenshot {
        /// Artifact name.
        name: String,
        /// Whole page instead of the viewport.
        full_page: bool,
    },
    /// Load another URL in the same tab.
    Navigate(String),
}

/// Converts one step; `None` for steps Rust runs itself (screenshot, navigate).
pub fn script_step(index: usize, step: &Step, default_timeout_ms: u64) -> Option<ScriptStep> {
    let timeout_ms = match step.timeout_ms {
        0 => default_timeout_ms,
        ms => u64::from(ms),
    };
    let blank = ScriptStep {
        index,
        op: "",
        selector: String::new(),
        text: String::new(),
        pixels: 0,
        rules: Vec::new(),
        timeout_ms,
    };
    match step.kind.as_ref()? {
        Kind::WaitFor(w) => Some(ScriptStep {
            op: "wait_for",
            selector: w.selector.clone(),
            ..blank
        }),
        Kind::WaitForText(w) => Some(ScriptStep {
            op: "wait_for_text",
            selector: w.selector.clone(),
            text: w.text.clone(),
            ..blank
        }),
        Kind::Click(c) => Some(ScriptStep {
            op: "click",
            selector: c.selector.clone(),
            ..blank
        }),
        Kind::Type(t) => Some(ScriptStep {
            op: "type",
            selector: t.selector.clone(),
            text: t.text.clone(),
            ..blank
        }),
        Kind::Scroll(s) => Some(ScriptStep {
            op: "scroll",
            selector: s.selector.clone(),
            pixels: s.pixels,
            ..blank
        }),
        Kind::Extract(e) => Some(ScriptStep {
            op: "extract",
            rules: e.rules.clone(),
            ..blank
        }),
        Kind::Navigate(_) | Kind::Screenshot(_) => None,
    }
}

/// Splits the steps of a page visit into actions. The first segment waits for the page;
/// the last one runs every extraction rule.
pub fn plan(steps: &[Step], default_timeout_ms: u64) -> Vec<Action> {
    plan_counted(steps, default_timeout_ms)
        .into_iter()
        .map(|(action, _)| action)
        .collect()
}

/// [`plan`], each action with how many of `steps` are done once it has run (for the
/// attempt's progress).
pub fn plan_counted(steps: &[Step], default_timeout_ms: u64) -> Vec<(Action, usize)> {
    let mut actions = Vec::new();
    let mut current = Segment {
        wait_ready: true,
        ..Segment::default()
    };
    for (index, step) in steps.iter().enumerate() {
        match &step.kind {
            Some(Kind::Screenshot(shot)) => {
                push_segment(&mut actions, std::mem::take(&mut current), index);
                let shot = Action::Screenshot {
                    name: shot.name.clone(),
                    full_page: shot.full_page,
                };
                actions.push((shot, index + 1));
            }
            Some(Kind::Navigate(nav)) => {
                push_segment(&mut actions, std::mem::take(&mut current), index);
                actions.push((Action::Navigate(nav.url.clone()), index + 1));
                current.wait_ready = true;
            }
            Some(Kind::Click(_)) => {
                current
                    .steps
                    .extend(script_step(index, step, default_timeout_ms));
                push_segment(&mut actions, std::mem::take(&mut current), index + 1);
                // The click may load a new document: wait for it before going on.
                current.wait_ready = true;
            }
            Some(_) => current
                .steps
                .extend(script_step(index, step, default_timeout_ms)),
            None => {}
        }
    }
    current.final_extract = true;
    actions.push((Action::Script(current), steps.len()));
    actions
}

fn push_segment(actions: &mut Vec<(Action, usize)>, segment: Segment, done: usize) {
    if segment.wait_ready || !segment.steps.is_empty() {
        actions.push((Action::Script(segment), done));
    }
}

#[derive(Serialize)]
struct ScriptRule<'a> {
    name: &'a str,
    selector: &'a str,
    kind: &'static str,
    attribute: &'a str,
    many: bool,
}

#[derive(Serialize)]
struct ScriptInput<'a> {
    wait_ready: bool,
    settle: &'a SettlePlan,
    quiet_ms: u64,
    margin_ms: u64,
    ready_timeout_ms: u64,
    deadline_at_ms: u64,
    steps: &'a [ScriptStep],
    rules: Vec<ScriptRule<'a>>,
    final_extract: bool,
}

/// The expression to evaluate for `segment`; it resolves to a JSON string.
/// `deadline_at_ms` is the job deadline in ms since the Unix epoch: the page shares the
/// worker's clock, and an absolute deadline stays right however long the call takes to
/// reach the page.
pub fn expression(
    segment: &Segment,
    rules: &[ExtractRule],
    settle: &SettlePlan,
    ready_timeout_ms: u64,
    deadline_at_ms: u64,
) -> String {
    let input = ScriptInput {
        wait_ready: segment.wait_ready,
        settle,
        quiet_ms: QUIET_MS,
        margin_ms: SETTLE_MARGIN_MS,
        ready_timeout_ms,
        deadline_at_ms,
        steps: &segment.steps,
        rules: rules.iter().map(script_rule).collect(),
        final_extract: segment.final_extract,
    };
    let json = serde_json::to_string(&input).unwrap_or_else(|_| "{}".to_owned());
    format!("{}({json}).then((r) => JSON.stringify(r))", PAGE_JS.trim())
}

fn script_rule(rule: &ExtractRule) -> ScriptRule<'_> {
    let kind = match rule.kind() {
        ExtractKind::Attribute => "attribute",
        ExtractKind::Html => "html",
        ExtractKind::Text | ExtractKind::Unspecified => "text",
    };
    ScriptRule {
        name: &rule.name,
        selector: &rule.selector,
        kind,
        attribute: &rule.attribute,
        many: rule.many,
    }
}

/// What a segment reported.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScriptOutput {
    /// False when a step failed.
    pub ok: bool,
    /// Main document status (0: unknown).
    #[serde(default)]
    pub status: u16,
    /// `location.href`.
    #[serde(default)]
    pub url: String,
    /// Extracted values.
    #[serde(default)]
    pub data: Map<String, Value>,
    /// Error class when not ok.
    #[serde(default)]
    pub class: String,
    /// Error message when not ok.
    #[serde(default)]
    pub message: String,
    /// How the page settled, when the segment waited for it.
    #[serde(default)]
    pub settle: Option<PageSettle>,
}

impl ScriptOutput {
    /// Parses the script's JSON string.
    pub fn parse(value: Option<&Value>) -> Result<Self, JobError> {
        let text = value.and_then(Value::as_str).ok_or_else(|| {
            JobError::new(
                ErrorClass::BrowserCrash,
                "the page script returned nothing; the page may have navigated away",
            )
        })?;
        serde_json::from_str(text).map_err(|err| {
            JobError::new(
                ErrorClass::BrowserCrash,
                format!("the page script returned invalid JSON: {err}"),
            )
        })
    }

    /// The step failure, when there was one.
    pub fn error(&self) -> Option<JobError> {
        if self.ok {
            return None;
        }
        let class = match self.class.as_str() {
            "timeout" => ErrorClass::Timeout,
            "invalid_spec" => ErrorClass::InvalidSpec,
            _ => ErrorClass::BrowserCrash,
        };
        Some(JobError::new(class, self.message.clone()))
    }
}
