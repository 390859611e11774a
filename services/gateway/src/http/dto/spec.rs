//! JSON mirror of `jetcrawl.v1.JobSpec` and `SubmitJobRequest`, in snake_case.
//!
//! Every struct denies unknown fields, so a typo is a 400 naming its JSON path instead
//! of a silently ignored option. A step is an object with exactly one kind key plus an
//! optional `timeout_ms`, e.g. `{"click": {"selector": "#go"}, "timeout_ms": 1000}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Body of `POST /v1/jobs`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitJobBody {
    /// The job spec.
    #[serde(default)]
    pub spec: Option<JobSpecDto>,
    /// Optional idempotency key.
    #[serde(default)]
    pub idempotency_key: String,
}

/// `JobSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = JobSpec)]
pub struct JobSpecDto {
    /// Absolute http(s) URLs.
    #[serde(default)]
    pub urls: Vec<String>,
    /// Browser steps, in order.
    #[serde(default)]
    #[schema(value_type = Vec<StepFields>)]
    pub steps: Vec<StepDto>,
    /// Extraction rules.
    #[serde(default)]
    pub extract: Vec<ExtractRuleDto>,
    /// Render mode; absent means auto.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render: Option<RenderDto>,
    /// Job deadline in ms; 0 or absent means the default.
    #[serde(default)]
    pub timeout_ms: u32,
    /// Free-form labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Where to POST a Standard Webhooks notification at each terminal state.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub webhook_url: String,
    /// The RGPD data subject the job's personal data is about (ADR 0023).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_subject: String,
    /// When a browser page counts as ready (ADR 0035); absent means quiet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle: Option<SettleDto>,
    /// An agent job (ADR 0045): a goal in words instead of steps and rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentDto>,
    /// What each page's result holds besides `data`, under `pages[].formats`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<FormatDto>,
    /// A crawl (ADR 0047): `urls` are the start pages, and each page found within the
    /// scope is a page job of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawl: Option<super::crawl::CrawlDto>,
}

/// `OutputFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OutputFormat)]
pub enum FormatDto {
    /// The main content as Markdown.
    Markdown,
    /// The main content as HTML.
    Html,
    /// The whole document as read.
    RawHtml,
    /// Every http(s) link, absolute, with its text.
    Links,
    /// Title, description, language, canonical URL, Open Graph.
    Metadata,
}

/// `AgentSpec`, e.g. `{"goal": "find the price", "output_schema": {"type": "object"}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AgentSpec)]
pub struct AgentDto {
    /// The goal, in words.
    pub goal: String,
    /// The answer's JSON Schema, as a JSON object.
    #[schema(value_type = Object)]
    pub output_schema: serde_json::Value,
    /// Most tool calls; 0 or absent means 15.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_steps: u32,
    /// Longest wall time in seconds; 0 or absent means 120.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_seconds: u32,
    /// Most prompt plus completion tokens; 0 or absent means 40,000.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub max_tokens: u64,
}

/// `Settle`, e.g. `{"rule": "selector", "selector": "#content", "timeout_ms": 3000}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Settle)]
pub struct SettleDto {
    /// The rule; absent means quiet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<SettleRuleDto>,
    /// CSS selector of rule selector.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub selector: String,
    /// Text of rule text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Longest settle wait per load in ms; 0 or absent means the worker's default.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout_ms: u32,
}

/// `SettleRule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SettleRule)]
pub enum SettleRuleDto {
    /// Network idle and DOM quiet (the default).
    Quiet,
    /// The load event.
    Load,
    /// No request in flight.
    NetworkIdle,
    /// A selector matches.
    Selector,
    /// A text is visible.
    Text,
}

/// `RenderMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = Render)]
pub enum RenderDto {
    /// Plain HTTP.
    Http,
    /// Headless Chromium.
    Browser,
    /// HTTP first, the browser when needed.
    Auto,
}

/// `ExtractKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ExtractKind)]
pub enum ExtractKindDto {
    /// Text content.
    Text,
    /// One attribute.
    Attribute,
    /// Outer HTML.
    Html,
}

/// `ExtractRule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ExtractRule)]
pub struct ExtractRuleDto {
    /// Key in the result.
    #[serde(default)]
    pub name: String,
    /// CSS selector.
    #[serde(default)]
    pub selector: String,
    /// What to read; absent means text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ExtractKindDto>,
    /// Attribute name for kind attribute.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub attribute: String,
    /// Every match instead of the first.
    #[serde(default)]
    pub many: bool,
    /// Fail the job when nothing matches.
    #[serde(default)]
    pub required: bool,
}

/// One step: at most one kind (none is reported by validation), plus its deadline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "StepFields", into = "StepFields")]
pub struct StepDto {
    /// The kind, `None` when the object named none.
    pub kind: Option<StepKindDto>,
    /// Step deadline in ms; 0 means the default.
    pub timeout_ms: u32,
}

/// The kinds of step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKindDto {
    /// Go to a URL.
    Navigate(NavigateDto),
    /// Wait until a selector matches.
    WaitFor(SelectorDto),
    /// Wait until a text is visible.
    WaitForText(WaitForTextDto),
    /// Click an element.
    Click(SelectorDto),
    /// Type text into an element.
    Type(TypeDto),
    /// Scroll to an element or by pixels.
    Scroll(ScrollDto),
    /// Run extraction rules now.
    Extract(ExtractNowDto),
    /// Take a screenshot.
    Screenshot(ScreenshotDto),
}

/// A browser step: exactly one kind key, plus an optional deadline, e.g.
/// `{"click": {"selector": "#go"}, "timeout_ms": 1000}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Step)]
pub(crate) struct StepFields {
    /// Go to a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    navigate: Option<NavigateDto>,
    /// Wait until a selector matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wait_for: Option<SelectorDto>,
    /// Wait until a text is visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wait_for_text: Option<WaitForTextDto>,
    /// Click an element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    click: Option<SelectorDto>,
    /// Type text into an element.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    type_text: Option<TypeDto>,
    /// Scroll to an element or by pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scroll: Option<ScrollDto>,
    /// Run extraction rules now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extract: Option<ExtractNowDto>,
    /// Take a screenshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    screenshot: Option<ScreenshotDto>,
    /// Step deadline in ms; 0 or absent means the default.
    #[serde(default, skip_serializing_if = "is_zero")]
    timeout_ms: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

impl TryFrom<StepFields> for StepDto {
    type Error = String;

    fn try_from(f: StepFields) -> Result<Self, String> {
        let kinds = [
            f.navigate.map(StepKindDto::Navigate),
            f.wait_for.map(StepKindDto::WaitFor),
            f.wait_for_text.map(StepKindDto::WaitForText),
            f.click.map(StepKindDto::Click),
            f.type_text.map(StepKindDto::Type),
            f.scroll.map(StepKindDto::Scroll),
            f.extract.map(StepKindDto::Extract),
            f.screenshot.map(StepKindDto::Screenshot),
        ];
        let mut set: Vec<StepKindDto> = kinds.into_iter().flatten().collect();
        if set.len() > 1 {
            let names: Vec<&str> = set.iter().map(StepKindDto::name).collect();
            return Err(format!(
                "step sets {}; set exactly one kind per step",
                names.join(" and ")
            ));
        }
        Ok(Self {
            kind: set.pop(),
            timeout_ms: f.timeout_ms,
        })
    }
}

impl From<StepDto> for StepFields {
    fn from(step: StepDto) -> Self {
        let mut f = StepFields {
            timeout_ms: step.timeout_ms,
            ..Default::default()
        };
        match step.kind {
            Some(StepKindDto::Navigate(v)) => f.navigate = Some(v),
            Some(StepKindDto::WaitFor(v)) => f.wait_for = Some(v),
            Some(StepKindDto::WaitForText(v)) => f.wait_for_text = Some(v),
            Some(StepKindDto::Click(v)) => f.click = Some(v),
            Some(StepKindDto::Type(v)) => f.type_text = Some(v),
            Some(StepKindDto::Scroll(v)) => f.scroll = Some(v),
            Some(StepKindDto::Extract(v)) => f.extract = Some(v),
            Some(StepKindDto::Screenshot(v)) => f.screenshot = Some(v),
            None => {}
        }
        f
    }
}

impl StepKindDto {
    /// The kind's JSON key.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Navigate(_) => "navigate",
            Self::WaitFor(_) => "wait_for",
            Self::WaitForText(_) => "wait_for_text",
            Self::Click(_) => "click",
            Self::Type(_) => "type",
            Self::Scroll(_) => "scroll",
            Self::Extract(_) => "extract",
            Self::Screenshot(_) => "screenshot",
        }
    }
}

/// `Navigate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Navigate)]
pub struct NavigateDto {
    /// Target URL.
    #[serde(default)]
    pub url: String,
}

/// `WaitForSelector` and `Click`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Selector)]
pub struct SelectorDto {
    /// CSS selector.
    #[serde(default)]
    pub selector: String,
}

/// `WaitForText`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = WaitForText)]
pub struct WaitForTextDto {
    /// Text to wait for.
    #[serde(default)]
    pub text: String,
    /// Element to search in; absent means the whole page.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub selector: String,
}

/// `TypeText`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Type)]
pub struct TypeDto {
    /// CSS selector of the input.
    #[serde(default)]
    pub selector: String,
    /// Text to type.
    #[serde(default)]
    pub text: String,
}

/// `Scroll`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Scroll)]
pub struct ScrollDto {
    /// Element to scroll to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub selector: String,
    /// Vertical pixels when no selector is given.
    #[serde(default)]
    pub pixels: i32,
}

/// `ExtractNow`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ExtractNow)]
pub struct ExtractNowDto {
    /// Rules to run; empty means all.
    #[serde(default)]
    pub rules: Vec<String>,
}

/// `Screenshot`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Screenshot)]
pub struct ScreenshotDto {
    /// Artifact name.
    #[serde(default)]
    pub name: String,
    /// Whole page instead of the viewport.
    #[serde(default)]
    pub full_page: bool,
}

fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}
