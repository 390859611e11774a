//! When a browser page counts as ready (ADR 0035): the job's settle rule, what the page
//! script reports about it, and the conversions to and from the proto types, in one place.

use std::time::Duration;

use jetcrawl_proto::v1::{JobSpec, SettleReport, SettleRule as ProtoRule};
use serde::{Deserialize, Serialize};

/// No DOM change (and, for NETWORK_IDLE, no request) for this long, with nothing else
/// pending, and the page counts as quiet. Short, because the page script also knows what
/// the page still has to do (requests in flight, timers due soon).
pub const QUIET_MS: u64 = 50;
/// Settle bound when the job gives none.
pub const DEFAULT_SETTLE_TIMEOUT: Duration = Duration::from_millis(5_000);

/// A settle rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettleRule {
    /// Loaded, no request in flight, no timer due soon, DOM quiet.
    #[default]
    Quiet,
    /// The load event.
    Load,
    /// Loaded and no request in flight.
    NetworkIdle,
    /// An element matches a selector.
    Selector,
    /// A text is visible.
    Text,
}

impl SettleRule {
    /// The proto value.
    pub fn to_proto(self) -> ProtoRule {
        match self {
            Self::Quiet => ProtoRule::Quiet,
            Self::Load => ProtoRule::Load,
            Self::NetworkIdle => ProtoRule::NetworkIdle,
            Self::Selector => ProtoRule::Selector,
            Self::Text => ProtoRule::Text,
        }
    }
}

/// How a job's pages settle.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SettlePlan {
    /// The rule.
    pub rule: SettleRule,
    /// Selector of [`SettleRule::Selector`].
    pub selector: String,
    /// Text of [`SettleRule::Text`].
    pub text: String,
    /// Longest wait per load.
    #[serde(rename = "timeout_ms", serialize_with = "as_millis")]
    pub timeout: Duration,
}

impl SettlePlan {
    /// The plan of `spec`; an unknown rule (from a newer client, past an older gateway)
    /// falls back to the default.
    pub fn of(spec: &JobSpec) -> Self {
        let Some(settle) = spec.settle.as_ref() else {
            return Self::default_plan();
        };
        let rule = match ProtoRule::try_from(settle.rule) {
            Ok(ProtoRule::Load) => SettleRule::Load,
            Ok(ProtoRule::NetworkIdle) => SettleRule::NetworkIdle,
            Ok(ProtoRule::Selector) => SettleRule::Selector,
            Ok(ProtoRule::Text) => SettleRule::Text,
            Ok(ProtoRule::Quiet | ProtoRule::Unspecified) | Err(_) => SettleRule::Quiet,
        };
        let timeout = match settle.timeout_ms {
            0 => DEFAULT_SETTLE_TIMEOUT,
            ms => Duration::from_millis(u64::from(ms)),
        };
        Self {
            rule,
            selector: settle.selector.clone(),
            text: settle.text.clone(),
            timeout,
        }
    }

    /// The default: QUIET, bounded by [`DEFAULT_SETTLE_TIMEOUT`].
    pub fn default_plan() -> Self {
        Self {
            rule: SettleRule::Quiet,
            selector: String::new(),
            text: String::new(),
            timeout: DEFAULT_SETTLE_TIMEOUT,
        }
    }
}

fn as_millis<S: serde::Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
}

/// How one page settled, as stored in the result JSON (`pages[].settle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSettle {
    /// The rule that ran.
    pub rule: SettleRule,
    /// False when some load of the page hit its bound instead.
    pub settled: bool,
    /// Time spent settling, over every load of the page.
    pub waited_ms: u64,
    /// What the page was still doing at the bound (`unsettled` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
}

impl PageSettle {
    /// Folds the outcome of one more load of the same page into this one.
    pub fn merge(&mut self, next: PageSettle) {
        self.waited_ms += next.waited_ms;
        if self.settled && !next.settled {
            self.settled = false;
            self.pending = next.pending;
        }
    }

    /// The warning a page that did not settle carries in the result.
    pub fn warning(&self) -> Option<String> {
        if self.settled {
            return None;
        }
        let pending = self.pending.as_deref().unwrap_or("unknown");
        Some(format!(
            "the page did not settle (rule {}) within {} ms; it was read as it was then (still pending: {pending}). \
             Raise spec.settle.timeout_ms, or choose another spec.settle.rule",
            rule_name(self.rule),
            self.waited_ms
        ))
    }
}

fn rule_name(rule: SettleRule) -> &'static str {
    match rule {
        SettleRule::Quiet => "quiet",
        SettleRule::Load => "load",
        SettleRule::NetworkIdle => "network_idle",
        SettleRule::Selector => "selector",
        SettleRule::Text => "text",
    }
}

/// The `JobSucceeded.settle` summary of the browser pages' outcomes.
pub fn report<'a>(pages: impl IntoIterator<Item = &'a PageSettle>) -> Option<SettleReport> {
    let mut report: Option<SettleReport> = None;
    for page in pages {
        let entry = report.get_or_insert_with(|| SettleReport {
            rule: page.rule.to_proto() as i32,
            ..Default::default()
        });
        if page.settled {
            entry.settled_pages += 1;
        } else {
            entry.unsettled_pages += 1;
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use jetcrawl_proto::v1::Settle;

    use super::*;

    fn page(rule: SettleRule, settled: bool, waited_ms: u64) -> PageSettle {
        PageSettle {
            rule,
            settled,
            waited_ms,
            pending: (!settled).then(|| "DOM changes".to_owned()),
        }
    }

    #[test]
    fn an_unset_or_unknown_rule_is_quiet_with_the_default_bound() {
        assert_eq!(
            SettlePlan::of(&JobSpec::default()),
            SettlePlan::default_plan()
        );
        let unknown = JobSpec {
            settle: Some(Settle {
                rule: 99,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(SettlePlan::of(&unknown).rule, SettleRule::Quiet);
        let chosen = JobSpec {
            settle: Some(Settle {
                rule: ProtoRule::Text as i32,
                text: "Done".into(),
                timeout_ms: 700,
                ..Default::default()
            }),
            ..Default::default()
        };
        let plan = SettlePlan::of(&chosen);
        assert_eq!((plan.rule, plan.text.as_str()), (SettleRule::Text, "Done"));
        assert_eq!(plan.timeout, Duration::from_millis(700));
    }

    #[test]
    fn one_unsettled_load_makes_the_page_unsettled_with_a_warning() {
        let mut first = page(SettleRule::Quiet, true, 40);
        assert_eq!(first.warning(), None);
        first.merge(page(SettleRule::Quiet, false, 5_000));
        first.merge(page(SettleRule::Quiet, true, 30));
        assert!(!first.settled);
        assert_eq!(first.waited_ms, 5_070);
        let warning = first.warning().expect("a warning");
        assert!(warning.contains("did not settle (rule quiet)"), "{warning}");
        assert!(warning.contains("DOM changes"), "{warning}");
    }

    #[test]
    fn the_report_counts_settled_and_unsettled_pages() {
        assert_eq!(report([]), None);
        let pages = [
            page(SettleRule::Load, true, 1),
            page(SettleRule::Load, false, 9),
            page(SettleRule::Load, true, 2),
        ];
        let report = report(&pages).expect("browser pages");
        assert_eq!(report.rule, ProtoRule::Load as i32);
        assert_eq!((report.settled_pages, report.unsettled_pages), (2, 1));
    }
}
