//! The alerting rules of `infra/prometheus/alerts.yml`: name and expression.

use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

#[derive(Deserialize)]
struct RuleFile {
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    rules: Vec<Rule>,
}

/// One alerting rule.
#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    /// Its name (recording rules have none and are left out).
    pub alert: Option<String>,
    /// Its expression.
    pub expr: String,
}

impl Rule {
    /// The alert's name.
    pub fn name(&self) -> &str {
        self.alert.as_deref().unwrap_or_default()
    }
}

/// Every alerting rule of the file at `path`.
pub fn alert_rules(path: &Path) -> anyhow::Result<Vec<Rule>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: RuleFile =
        serde_norway::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(file
        .groups
        .into_iter()
        .flat_map(|g| g.rules)
        .filter(|r| r.alert.is_some())
        .collect())
}
