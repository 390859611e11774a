//! Every metric an alert expression names is one the services describe
//! (`jetcrawl_telemetry::described`), so no rule watches a metric that never exists.

use std::collections::BTreeSet;

use crate::alerts::coverage::AWAITING_METRIC;
use crate::alerts::files::alert_rules;

/// The series Prometheus derives from one histogram.
const HISTOGRAM_SUFFIXES: &[&str] = &["_bucket", "_sum", "_count"];

/// The `jetcrawl_*` names in a PromQL expression.
fn metric_names(expr: &str) -> impl Iterator<Item = &str> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|token| token.starts_with("jetcrawl_"))
}

/// Whether `name` is a described metric, or a series of a described histogram.
fn is_described(name: &str, described: &BTreeSet<&str>) -> bool {
    described.contains(name)
        || HISTOGRAM_SUFFIXES.iter().any(|suffix| {
            name.strip_suffix(suffix)
                .is_some_and(|base| described.contains(base))
        })
}

#[test]
fn every_expression_uses_only_metrics_the_services_describe() {
    let described: BTreeSet<&str> = jetcrawl_telemetry::described().collect();
    for rule in alert_rules() {
        let alert = rule.alert.as_deref().unwrap_or_default();
        let names: Vec<&str> = metric_names(&rule.expr).collect();
        assert!(
            !names.is_empty(),
            "{alert}: its expression names no jetcrawl metric"
        );
        for name in names {
            assert!(
                is_described(name, &described),
                "{alert} uses {name}, which no service describes \
                 (services/telemetry/src/catalogue.rs)"
            );
        }
    }
}

#[test]
fn the_alerts_awaiting_a_metric_still_have_none() {
    for (words, alert, fragment) in AWAITING_METRIC {
        let found: Vec<&str> = jetcrawl_telemetry::described()
            .filter(|name| name.contains(fragment))
            .collect();
        assert!(
            found.is_empty(),
            "{words}: {found:?} exists now; write {alert} on it and its tests"
        );
    }
}
