//! Every alert issue 15 lists has a rule and a unit test that fires it; every rule is
//! complete (a `for`, a severity, what it means and what to do), has a test where it
//! stays quiet, and a section of the README.

use std::collections::BTreeSet;

use crate::alerts::files::{Rule, alert_rules, alert_tests, prometheus_dir};

/// The issue's alerts, by the words of the issue, and the rule of each.
const REQUIRED: &[(&str, &str)] = &[
    ("ACK p99 > 2 s", "JetcrawlSubmitAckP99High"),
    ("submit error rate", "JetcrawlSubmitErrorRateHigh"),
    ("DLQ growth", "JetcrawlDeadLetterQueueGrowing"),
    ("worker consumer lag", "JetcrawlWorkerConsumerLag"),
    ("projector lag", "JetcrawlProjectorLag"),
    ("browser pool exhausted", "JetcrawlBrowserPoolExhausted"),
    ("robots denial spike", "JetcrawlRobotsDenialSpike"),
    ("webhook failure rate", "JetcrawlWebhookFailureRateHigh"),
    ("domain breaker open", "JetcrawlDomainBreakerOpen"),
    ("retention overdue", "JetcrawlRetentionOverdue"),
    ("audit chain broken", "JetcrawlAuditChainBroken"),
];

/// The issue's alerts that no metric can drive yet: the issue's words, the rule's name
/// to be, and a fragment of the metric name it waits for. `metrics.rs` fails once the
/// catalogue has such a metric, so the alert moves to [`REQUIRED`] with its rule.
pub const AWAITING_METRIC: &[(&str, &str, &str)] = &[];

fn name(rule: &Rule) -> &str {
    rule.alert.as_deref().unwrap_or_default()
}

#[test]
fn every_alert_the_issue_lists_has_a_rule_and_a_test_that_fires_it() {
    let rules: BTreeSet<String> = alert_rules().iter().map(|r| name(r).to_owned()).collect();
    let firing: BTreeSet<String> = alert_tests()
        .into_iter()
        .filter(|t| !t.exp_alerts.is_empty())
        .map(|t| t.alertname)
        .collect();
    for (words, alert) in REQUIRED {
        assert!(
            rules.contains(*alert),
            "{words}: no rule {alert} in alerts.yml"
        );
        assert!(
            firing.contains(*alert),
            "{words}: no test in alerts_test.yml where {alert} fires"
        );
    }
    for (words, alert, _) in AWAITING_METRIC {
        assert!(
            !rules.contains(*alert),
            "{words}: {alert} has a rule now; move it from AWAITING_METRIC to REQUIRED"
        );
    }
}

#[test]
fn every_rule_fires_in_one_test_and_stays_quiet_in_another() {
    let tests = alert_tests();
    for rule in alert_rules() {
        let alert = name(&rule);
        let of_rule = || tests.iter().filter(|t| t.alertname == alert);
        assert!(
            of_rule().any(|t| !t.exp_alerts.is_empty()),
            "{alert}: no test where it fires"
        );
        assert!(
            of_rule().any(|t| t.exp_alerts.is_empty()),
            "{alert}: no test where it stays quiet on healthy series"
        );
    }
}

#[test]
fn every_rule_waits_has_a_severity_and_says_what_to_do() {
    let readme = std::fs::read_to_string(prometheus_dir().join("README.md"))
        .expect("reading infra/prometheus/README.md");
    for rule in alert_rules() {
        let alert = name(&rule);
        assert!(rule.for_.is_some(), "{alert}: no `for`");
        assert!(
            matches!(
                rule.labels.get("severity").map(String::as_str),
                Some("critical" | "warning")
            ),
            "{alert}: severity must be critical or warning, is {:?}",
            rule.labels.get("severity")
        );
        for key in ["summary", "description", "runbook"] {
            assert!(
                rule.annotations
                    .get(key)
                    .is_some_and(|v| !v.trim().is_empty()),
                "{alert}: no {key} annotation"
            );
        }
        let anchor = format!("#{}", alert.to_lowercase());
        assert!(
            rule.annotations["runbook"].contains(&anchor),
            "{alert}: its runbook must point at README.md{anchor}"
        );
        assert!(
            readme.contains(&format!("### {alert}\n")),
            "{alert}: infra/prometheus/README.md has no `### {alert}` section"
        );
    }
}
