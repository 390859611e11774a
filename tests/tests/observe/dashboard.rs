//! The queries of the Grafana dashboard, as Prometheus must run them: every panel's
//! targets (panels inside collapsed rows included), with Grafana's variables replaced by
//! concrete values.

use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::Value;

/// What Grafana's built-in interval variables become: one minute holds sixty samples
/// at the test's one-second scrape interval.
const BUILT_INS: &[(&str, &str)] = &[
    ("$__rate_interval", "1m"),
    ("$__interval", "1m"),
    ("$__range", "1m"),
];

/// One query of one panel.
#[derive(Debug, Clone)]
pub struct Target {
    /// The panel's title.
    pub panel: String,
    /// The target's `refId` (A, B, …).
    pub ref_id: String,
    /// The expression, variables replaced.
    pub expr: String,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "panel {:?} target {}", self.panel, self.ref_id)
    }
}

/// Every target of the dashboard at `path`.
pub fn targets(path: &Path) -> anyhow::Result<Vec<Target>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let dashboard: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let variables = variables(&dashboard);
    let mut found = Vec::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap_or_default();
        for target in panel["targets"].as_array().into_iter().flatten() {
            let raw = target["expr"].as_str().unwrap_or_default();
            found.push(Target {
                panel: title.to_owned(),
                ref_id: target["refId"].as_str().unwrap_or_default().to_owned(),
                expr: substitute(raw, &variables)
                    .with_context(|| format!("panel {title:?}: {raw}"))?,
            });
        }
    }
    Ok(found)
}

/// Top-level panels and those inside rows, rows themselves left out.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for panel in dashboard["panels"].as_array().into_iter().flatten() {
        if panel["type"] == "row" {
            all.extend(panel["panels"].as_array().into_iter().flatten());
        } else {
            all.push(panel);
        }
    }
    all
}

/// The dashboard's own variables with their current value, then the built-ins.
fn variables(dashboard: &Value) -> Vec<(String, String)> {
    let own = dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let name = v["name"].as_str()?;
            let value = v["current"]["value"].as_str()?;
            Some((format!("${name}"), value.to_owned()))
        });
    let built_in = BUILT_INS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    own.chain(built_in).collect()
}

/// `expr` with every variable replaced; a variable the test does not know fails, so a
/// new one is given a value here on purpose (a `$` ending a regex is no variable).
fn substitute(expr: &str, variables: &[(String, String)]) -> anyhow::Result<String> {
    let mut expr = expr.to_owned();
    // The longest names first, so `$__interval` does not eat `$__interval_ms`.
    let mut sorted: Vec<&(String, String)> = variables.iter().collect();
    sorted.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for (name, value) in sorted {
        expr = expr.replace(&format!("${{{}}}", &name[1..]), value);
        expr = expr.replace(name.as_str(), value);
    }
    let left = expr.match_indices('$').any(|(i, _)| {
        expr[i + 1..].starts_with(|c: char| c == '{' || c == '_' || c.is_ascii_alphabetic())
    });
    if left {
        bail!("a variable the test gives no value: {expr}");
    }
    Ok(expr)
}
