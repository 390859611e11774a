//! What running a spec produces: one result per page, plus screenshot bytes that the
//! handler stores next to the result JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::settle::PageSettle;

/// How a page was fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Plain HTTP, no JavaScript.
    Http,
    /// Headless Chromium.
    Browser,
}

impl Mode {
    /// Label used in metrics and the result JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Browser => "browser",
        }
    }
}

/// A stored screenshot, as referenced from the result JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenshotRef {
    /// Name from the step.
    pub name: String,
    /// Object Store key, `<job_id>/<name>.png`.
    pub key: String,
    /// Bytes.
    pub size: u64,
    /// Hex sha256 of the PNG.
    pub sha256: String,
}

/// A screenshot taken by a step, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// Name from the step.
    pub name: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// The result of one URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageResult {
    /// The URL from the spec.
    pub url: String,
    /// Where the page ended up after redirects.
    pub final_url: String,
    /// HTTP status of the main document.
    pub status: u16,
    /// How the page was fetched.
    pub mode: Mode,
    /// One entry per extraction rule: a string, a list of strings, or null.
    pub data: Map<String, Value>,
    /// Screenshots taken on this page.
    pub screenshots: Vec<ScreenshotRef>,
    /// Time spent on this page.
    pub elapsed_ms: u64,
    /// Browser pages: the settle rule that ran and whether the page settled (ADR 0035).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle: Option<PageSettle>,
    /// What the reader of this result should know, e.g. that the page did not settle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The formats the job asked for (`markdown`, `html`, `raw_html`, `links`,
    /// `metadata`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub formats: Map<String, Value>,
}

/// A page result and the screenshots it still has to store.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRun {
    /// The result, with `screenshots` empty until stored.
    pub result: PageResult,
    /// Screenshot bytes in step order.
    pub captures: Vec<Capture>,
}

/// Everything a spec produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecRun {
    /// One per URL, in spec order.
    pub pages: Vec<PageRun>,
    /// What the crawl controller reports (a capped crawl-delay), if anything.
    pub politeness: Option<Value>,
    /// An agent job's answer and what it cost (ADR 0045); its pages are not listed.
    pub agent: Option<Value>,
}

impl SpecRun {
    /// The `JobSucceeded.settle` summary (none when no page used the browser).
    pub fn settle_report(&self) -> Option<jetcrawl_proto::v1::SettleReport> {
        super::settle::report(self.pages.iter().filter_map(|p| p.result.settle.as_ref()))
    }

    /// Browser when any page used the browser (an agent job always does).
    pub fn mode_used(&self) -> Mode {
        if self.agent.is_some() || self.pages.iter().any(|p| p.result.mode == Mode::Browser) {
            Mode::Browser
        } else {
            Mode::Http
        }
    }
}

/// The object stored at `<job_id>/result.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultDocument {
    /// The job.
    pub job_id: String,
    /// Browser when any page used the browser.
    pub mode_used: Mode,
    /// One per URL.
    pub pages: Vec<PageResult>,
    /// RFC 3339.
    pub completed_at: String,
    /// Politeness limits that shaped the run, when one is worth reporting: a robots
    /// Crawl-delay cut to the configured cap (`crawl_delay_capped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub politeness: Option<Value>,
    /// An agent job's `answer` (valid against its output schema), with its `turns`,
    /// `steps`, `prompt_tokens` and `completion_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Value>,
}
