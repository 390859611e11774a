//! The parts of `alerts.yml` and `alerts_test.yml` the checks read.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jetcrawl_tests::workspace_root;
use serde::Deserialize;

/// `infra/prometheus` of the workspace.
pub fn prometheus_dir() -> PathBuf {
    workspace_root().join("infra/prometheus")
}

/// A Prometheus rule file.
#[derive(Debug, Deserialize)]
pub struct RuleFile {
    pub groups: Vec<Group>,
}

/// One rule group.
#[derive(Debug, Deserialize)]
pub struct Group {
    pub rules: Vec<Rule>,
}

/// One alerting rule (recording rules have `record` and no `alert`).
#[derive(Debug, Deserialize)]
pub struct Rule {
    pub alert: Option<String>,
    pub expr: String,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A promtool unit-test file.
#[derive(Debug, Deserialize)]
pub struct TestFile {
    pub tests: Vec<TestGroup>,
}

/// One test group: its series and what the alerts do on them.
#[derive(Debug, Deserialize)]
pub struct TestGroup {
    #[serde(default)]
    pub alert_rule_test: Vec<AlertTest>,
}

/// The alerts expected from one alert at one time: none means it stays quiet.
#[derive(Debug, Deserialize)]
pub struct AlertTest {
    pub alertname: String,
    #[serde(default)]
    pub exp_alerts: Vec<serde_norway::Value>,
}

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = prometheus_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|err| panic!("parsing {}: {err}", path.display()))
}

/// Every alerting rule of `alerts.yml`.
pub fn alert_rules() -> Vec<Rule> {
    read::<RuleFile>("alerts.yml")
        .groups
        .into_iter()
        .flat_map(|group| group.rules)
        .filter(|rule| rule.alert.is_some())
        .collect()
}

/// Every alert check of `alerts_test.yml`.
pub fn alert_tests() -> Vec<AlertTest> {
    read::<TestFile>("alerts_test.yml")
        .tests
        .into_iter()
        .flat_map(|group| group.alert_rule_test)
        .collect()
}
