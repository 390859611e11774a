//! The settle rule of browser pages (ADR 0035): a known rule, the selector or text it
//! needs (and none it would ignore), and a bound within the job's deadline.

use jetcrawl_proto::v1::{JobSpec, RenderMode, Settle, SettleRule};

use super::limits::{MAX_WAIT_TEXT_CHARS, quote};
use super::selector::check_selector;
use super::violations::Violations;

/// Names of the settle rules, as written in the API.
const SETTLE_RULES: &str = "QUIET, LOAD, NETWORK_IDLE, SELECTOR or TEXT";

/// Checks `spec.settle`; `job_timeout_ms` is the job's effective deadline.
pub fn check_settle(spec: &JobSpec, job_timeout_ms: u32, out: &mut Violations) {
    let Some(settle) = &spec.settle else {
        return;
    };
    if spec.render == RenderMode::Http as i32 {
        out.add(
            "spec.settle",
            "render HTTP never opens a browser, so nothing settles; remove spec.settle or use render BROWSER or AUTO",
        );
        return;
    }
    let Ok(rule) = SettleRule::try_from(settle.rule) else {
        out.add(
            "spec.settle.rule",
            format!(
                "unknown settle rule {}; use {SETTLE_RULES}, or leave it unset for QUIET",
                settle.rule
            ),
        );
        return;
    };
    check_selector_field(settle, rule, out);
    check_text_field(settle, rule, out);
    if settle.timeout_ms > job_timeout_ms {
        out.add(
            "spec.settle.timeout_ms",
            format!(
                "settle bound {} ms exceeds the job deadline {job_timeout_ms} ms; lower it or raise spec.timeout_ms",
                settle.timeout_ms
            ),
        );
    }
}

fn check_selector_field(settle: &Settle, rule: SettleRule, out: &mut Violations) {
    let field = "spec.settle.selector";
    if rule == SettleRule::Selector {
        if settle.selector.trim().is_empty() {
            out.add(
                field,
                "rule SELECTOR needs the CSS selector to wait for, such as #content; set spec.settle.selector",
            );
        } else if let Err(why) = check_selector(&settle.selector) {
            out.add(field, why);
        }
    } else if !settle.selector.is_empty() {
        out.add(
            field,
            "only rule SELECTOR uses a selector; set spec.settle.rule to SELECTOR or remove the selector",
        );
    }
}

fn check_text_field(settle: &Settle, rule: SettleRule, out: &mut Violations) {
    let field = "spec.settle.text";
    if rule == SettleRule::Text {
        check_wait_text(&settle.text, field, "rule TEXT", out);
    } else if !settle.text.is_empty() {
        out.add(
            field,
            "only rule TEXT uses a text; set spec.settle.rule to TEXT or remove the text",
        );
    }
}

/// A text to wait for: not blank, and bounded.
pub fn check_wait_text(text: &str, field: &str, who: &str, out: &mut Violations) {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        out.add(
            field,
            format!("{who} needs the text to wait for, such as \"Order confirmed\"; it is empty"),
        );
    } else if chars > MAX_WAIT_TEXT_CHARS {
        out.add(
            field,
            format!(
                "text {} is {chars} characters long; the limit is {MAX_WAIT_TEXT_CHARS}",
                quote(text)
            ),
        );
    }
}
