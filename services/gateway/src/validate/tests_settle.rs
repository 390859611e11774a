//! Given a settle rule or a wait_for_text step, when validated, then these violations
//! (or the spec unchanged).

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{JobSpec, RenderMode, Settle, SettleRule, Step, WaitForText};

use super::*;

fn with_settle(rule: i32, selector: &str, text: &str, timeout_ms: u32) -> JobSpec {
    JobSpec {
        urls: vec!["https://example.com/".into()],
        settle: Some(Settle {
            rule,
            selector: selector.into(),
            text: text.into(),
            timeout_ms,
        }),
        ..Default::default()
    }
}

fn refused(spec: JobSpec) -> Vec<FieldViolation> {
    validate_spec(spec, &Limits::default())
        .expect_err("must be refused")
        .as_slice()
        .to_vec()
}

fn only(spec: JobSpec) -> FieldViolation {
    let found = refused(spec);
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().expect("one")
}

#[test]
fn every_rule_with_what_it_needs_is_kept_as_given() {
    let cases = [
        with_settle(SettleRule::Unspecified as i32, "", "", 0),
        with_settle(SettleRule::Quiet as i32, "", "", 2_000),
        with_settle(SettleRule::Load as i32, "", "", 0),
        with_settle(SettleRule::NetworkIdle as i32, "", "", 0),
        with_settle(SettleRule::Selector as i32, "#content", "", 0),
        with_settle(SettleRule::Text as i32, "", "Order confirmed", 60_000),
    ];
    for spec in cases {
        let valid = validate_spec(spec.clone(), &Limits::default()).expect("valid");
        assert_eq!(valid.spec().settle, spec.settle);
    }
    let unset = JobSpec {
        urls: vec!["https://example.com/".into()],
        ..Default::default()
    };
    let valid = validate_spec(unset, &Limits::default()).expect("valid");
    assert_eq!(valid.spec().settle, None, "no settle stays the default");
}

#[test]
fn an_unknown_rule_names_the_field_and_the_rules() {
    let v = only(with_settle(9, "", "", 0));
    assert_eq!(v.field, "spec.settle.rule");
    assert_eq!(
        v.description,
        "unknown settle rule 9; use QUIET, LOAD, NETWORK_IDLE, SELECTOR or TEXT, or leave it unset for QUIET"
    );
}

#[test]
fn selector_and_text_rules_need_their_value_and_others_refuse_it() {
    let selector = SettleRule::Selector as i32;
    let text = SettleRule::Text as i32;
    let cases = [
        (
            with_settle(selector, "", "", 0),
            "spec.settle.selector",
            "#content",
        ),
        (
            with_settle(selector, "div[", "", 0),
            "spec.settle.selector",
            "not a valid CSS selector",
        ),
        (
            with_settle(text, "", "  ", 0),
            "spec.settle.text",
            "needs the text",
        ),
        (
            with_settle(text, "", &"x".repeat(1025), 0),
            "spec.settle.text",
            "the limit is 1024",
        ),
        (
            with_settle(SettleRule::Load as i32, "#a", "", 0),
            "spec.settle.selector",
            "only rule SELECTOR",
        ),
        (
            with_settle(selector, "#a", "hello", 0),
            "spec.settle.text",
            "only rule TEXT",
        ),
    ];
    for (spec, field, says) in cases {
        let v = only(spec);
        assert_eq!(v.field, field, "{v:?}");
        assert!(v.description.contains(says), "{v:?}");
    }
}

#[test]
fn the_bound_stays_within_the_job_and_http_jobs_have_nothing_to_settle() {
    let mut long = with_settle(SettleRule::Quiet as i32, "", "", 20_000);
    long.timeout_ms = 10_000;
    let v = only(long);
    assert_eq!(v.field, "spec.settle.timeout_ms");
    assert!(v.description.contains("raise spec.timeout_ms"), "{v:?}");

    let mut http = with_settle(SettleRule::Load as i32, "", "", 0);
    http.render = RenderMode::Http as i32;
    let v = only(http);
    assert_eq!(v.field, "spec.settle");
    assert!(v.description.contains("BROWSER or AUTO"), "{v:?}");
}

#[test]
fn wait_for_text_needs_a_text_and_a_valid_selector_if_any() {
    let wait = |text: &str, selector: &str| Step {
        kind: Some(Kind::WaitForText(WaitForText {
            text: text.into(),
            selector: selector.into(),
        })),
        timeout_ms: 0,
    };
    let spec = JobSpec {
        urls: vec!["https://example.com/".into()],
        steps: vec![
            wait("Done", ""),
            wait("Done", "#out"),
            wait("", ""),
            wait("Done", "p["),
        ],
        ..Default::default()
    };
    let fields: Vec<_> = refused(spec).into_iter().map(|v| v.field).collect();
    assert_eq!(
        fields,
        [
            "spec.steps[2].wait_for_text.text",
            "spec.steps[3].wait_for_text.selector"
        ]
    );
}
