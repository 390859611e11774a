//! The report: every measured row of every repeat, folded into medians and ratios to
//! the row's baseline, then written as JSON and Markdown.

mod collect;
mod markdown;
mod targets;
mod topology;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::machine::Machine;

pub use collect::{Collector, Measured};
pub use targets::{Target, targets};

/// Metric name of a row's throughput (per second).
pub const THROUGHPUT: &str = "throughput_per_s";

/// One row aggregated over the repeats.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// Stable key, e.g. `submit.c1000`.
    pub key: String,
    /// What it measures, for people.
    pub label: String,
    /// Key of the row it is compared with, measured in the same repeats.
    pub baseline: Option<String>,
    /// Metric the ratio compares (`throughput_per_s`, or a latency).
    pub ratio_metric: String,
    /// Median over the repeats of `metric(row) / metric(baseline)`, each pair from the
    /// same repeat.
    pub ratio: Option<f64>,
    /// Median of each metric over the repeats.
    pub median: BTreeMap<String, f64>,
    /// Every repeat's metrics.
    pub runs: Vec<BTreeMap<String, f64>>,
}

impl Row {
    /// The median of `metric`, 0 when absent.
    pub fn get(&self, metric: &str) -> f64 {
        self.median.get(metric).copied().unwrap_or(0.0)
    }
}

/// One scenario's rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scenario {
    /// `submit`, `durability`, `cluster`, `projector`, `workers` or `e2e`.
    pub id: String,
    /// Its rows, in the order measured.
    pub rows: Vec<Row>,
}

/// A whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where it ran.
    pub machine: Machine,
    /// `quick` or `full`.
    pub preset: String,
    /// Repeats of every scenario.
    pub repeats: u32,
    /// When the run started (UTC).
    pub started_at: String,
    /// Wall time of the run, seconds.
    pub wall_seconds: f64,
    /// The sizes used, as text.
    pub sizes: Vec<String>,
    /// The measurements.
    pub scenarios: Vec<Scenario>,
    /// The targets against what was measured.
    pub targets: Vec<Target>,
}

impl Report {
    /// The row with this key.
    pub fn row(&self, key: &str) -> Option<&Row> {
        self.scenarios
            .iter()
            .flat_map(|s| &s.rows)
            .find(|r| r.key == key)
    }

    /// A report written before, with its targets checked again (after the checks
    /// changed), to be written anew.
    pub fn reread(json: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(json)
            .with_context(|| format!("reading the report {}", json.display()))?;
        let mut report: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a jetcrawl-bench report", json.display()))?;
        report.targets = targets(&report);
        Ok(report)
    }

    /// Writes `benchmarks.json` and `benchmarks.md` into `dir`; returns both paths.
    pub fn write(&self, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the report directory {}", dir.display()))?;
        let json = dir.join("benchmarks.json");
        let md = dir.join("benchmarks.md");
        let text = serde_json::to_string_pretty(self).context("encoding the JSON report")?;
        std::fs::write(&json, text).with_context(|| format!("writing {}", json.display()))?;
        std::fs::write(&md, markdown::render(self))
            .with_context(|| format!("writing {}", md.display()))?;
        Ok((json, md))
    }
}
