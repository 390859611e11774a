//! What "works against a live stack" means for each query: it runs; it reads only
//! metrics Prometheus has scraped; a panel shows data; a rule is evaluated without
//! error. Each check returns the problems it found, so one failure lists them all.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::observe::dashboard::Target;
use crate::observe::prometheus::Prometheus;
use crate::observe::promql::metric_names;
use crate::observe::rules::Rule;

/// What a panel must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// At least one series, whatever its value.
    Series,
    /// At least one value that is a number: a rate, ratio or quantile over a window in
    /// which its series moved is never NaN.
    Numbers,
}

/// Panel targets that may show no data after a healthy run, and why: their counter
/// only comes to exist with its first increment, which only an incident makes. Their
/// metric names must still be ones the services describe.
pub const ALLOWED_EMPTY: &[(&str, &str, &str)] = &[
    (
        "Submits admitted without backlog caps (fail-open)",
        "A",
        "counted only when the job counts do not come in time (Postgres or the projector down)",
    ),
    (
        "Egress refusals and retired proxies",
        "B",
        "counted only when an egress proxy fails; the test stack has no proxies",
    ),
    (
        "Batches rewound (1 h)",
        "A",
        "counted only when Postgres lost commits or was restored behind the projector",
    ),
];

/// A never-evaluated rule shows Go's zero time.
const NEVER: &str = "0001-01-01T00:00:00Z";

/// The series Prometheus stores for one histogram.
const HISTOGRAM_SUFFIXES: &[&str] = &["_bucket", "_sum", "_count"];

fn allowed_empty(target: &Target) -> bool {
    ALLOWED_EMPTY
        .iter()
        .any(|(panel, id, _)| target.panel == *panel && target.ref_id == *id)
}

/// Whether the services describe `name` (`jetcrawl_telemetry::described`), directly or
/// as a series of a described histogram.
fn described(name: &str) -> bool {
    let all: BTreeSet<&str> = jetcrawl_telemetry::described().collect();
    all.contains(name)
        || HISTOGRAM_SUFFIXES
            .iter()
            .any(|s| name.strip_suffix(s).is_some_and(|base| all.contains(base)))
}

/// Problems of the dashboard's targets: a query that fails, a metric never scraped,
/// no data; the [`ALLOWED_EMPTY`] ones may be empty and unscraped, but not unknown.
pub async fn panels(
    prometheus: &Prometheus,
    targets: &[Target],
    scraped: &BTreeSet<String>,
    expect: Expect,
) -> Vec<String> {
    let mut problems = Vec::new();
    for target in targets {
        let result = match prometheus.query(&target.expr).await {
            Ok(result) => result,
            Err(err) => {
                problems.push(format!("{target}: {err:#}"));
                continue;
            }
        };
        let unscraped: Vec<String> = metric_names(&target.expr)
            .into_iter()
            .filter(|name| !scraped.contains(name))
            .collect();
        if allowed_empty(target) {
            let unknown: Vec<&String> = unscraped.iter().filter(|n| !described(n)).collect();
            if !unknown.is_empty() {
                problems.push(format!(
                    "{target} queries {unknown:?}, which no service describes"
                ));
            }
        } else if !unscraped.is_empty() {
            problems.push(format!("{target} queries {unscraped:?}, never scraped"));
        } else if result.is_empty() {
            problems.push(format!("{target} has no data: {}", target.expr));
        } else if expect == Expect::Numbers && !result.iter().any(is_number) {
            problems.push(format!("{target} is only NaN: {}", target.expr));
        }
    }
    problems
}

/// Problems of the alert rules: an expression that fails as a query or reads a metric
/// never scraped, and a rule Prometheus has not evaluated, evaluated with an error, or
/// that is pending or firing although the platform is healthy.
pub async fn alerts(
    prometheus: &Prometheus,
    rules: &[Rule],
    scraped: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for rule in rules {
        if let Err(err) = prometheus.query(&rule.expr).await {
            problems.push(format!("{}: {err:#}", rule.name()));
        }
        let unscraped: Vec<String> = metric_names(&rule.expr)
            .into_iter()
            .filter(|name| !scraped.contains(name))
            .collect();
        if !unscraped.is_empty() {
            problems.push(format!(
                "{} reads {unscraped:?}, never scraped",
                rule.name()
            ));
        }
    }
    let evaluated = match prometheus.alerting_rules().await {
        Ok(evaluated) => evaluated,
        Err(err) => return [problems, vec![format!("{err:#}")]].concat(),
    };
    for rule in rules {
        let found = evaluated.iter().find(|r| r["name"] == rule.name());
        if let Some(problem) = evaluation_problem(rule.name(), found) {
            problems.push(problem);
        }
    }
    problems
}

/// Whether one element of a query's result (a series, or a scalar) holds a number.
fn is_number(element: &Value) -> bool {
    let sample = element.get("value").unwrap_or(element);
    sample[1]
        .as_str()
        .and_then(|v| v.parse::<f64>().ok())
        .is_some_and(|v| !v.is_nan())
}

fn evaluation_problem(name: &str, found: Option<&Value>) -> Option<String> {
    let Some(rule) = found else {
        return Some(format!("{name}: not loaded by Prometheus"));
    };
    if rule["lastEvaluation"].as_str().is_none_or(|t| t == NEVER) {
        return Some(format!("{name}: not evaluated yet"));
    }
    if rule["health"] != "ok" {
        return Some(format!(
            "{name}: health {} ({})",
            rule["health"],
            rule["lastError"].as_str().unwrap_or_default()
        ));
    }
    // The platform is healthy: a rule pending or firing now would page for nothing.
    (rule["state"] != "inactive").then(|| format!("{name}: {} on a healthy stack", rule["state"]))
}
