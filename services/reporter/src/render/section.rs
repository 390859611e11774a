//! One section of figures (every tenant together, or one tenant): the table, the
//! data-subject requests, and the charts, or a sentence when the month was quiet.

use maud::{Markup, PreEscaped, html};

use super::agent::{self, idle};
use super::chart::ChartError;
use super::charts;
use super::format::{maybe, percent};
use super::row::row;
use super::subject_requests::subject_requests;
use crate::figures::{Percentiles, Section};

/// The section of `s`, whose figures are `data-figure="<key>.…"`.
pub fn section(key: &str, s: &Section) -> Markup {
    html! {
        h2 data-section=(key) { (charts::name(s)) }
        table {
            tr { th { "figure" } th { "value" } }
            (counts(key, s))
            (rates(key, s))
            (latency(key, "ack_latency_ms", "submit-ACK latency (ms)", &s.ack_latency_ms))
            (latency(key, "duration_ms", "job duration (ms)", &s.duration_ms))
            (agent::agent(key, &s.agent))
        }
        (subject_requests(key, &s.subject_requests.handled))
        @if quiet(s) {
            // Empty charts would only look broken.
            p class="empty" data-empty="true" {
                "No activity in this month: no jobs, no webhooks and no data-subject requests."
            }
        } @else {
            @let (ack, duration) = ("Submit-ACK latency (ms)", "Job duration (ms)");
            h3 { (ack) }
            (chart(charts::percentiles("ack_latency", ack, &s.ack_latency_ms)))
            h3 { (duration) }
            (chart(charts::percentiles("duration", duration, &s.duration_ms)))
            h3 { "Jobs submitted per day" }
            (chart(charts::daily(s)))
            @if !s.top_domains.is_empty() {
                h3 { "Top domains" }
                (chart(charts::domains(s)))
            }
        }
    }
}

/// True when the section counts nothing at all.
pub fn quiet(s: &Section) -> bool {
    s.jobs.submitted == 0
        && s.webhooks.attempts == 0
        && s.subject_requests.erasures == 0
        && s.subject_requests.access_exports == 0
        && s.robots.robots_denials == 0
        && idle(&s.agent)
}

/// A drawn chart, or a sentence saying it could not be drawn.
pub fn chart(drawn: Result<String, ChartError>) -> Markup {
    match drawn {
        Ok(svg) => PreEscaped(svg),
        Err(err) => {
            let (chart, error) = (err.chart, &err.source);
            tracing::error!(chart, error = %error, "a report chart could not be drawn");
            html! { p class="bad" { "The " (err.chart) " chart could not be drawn." } }
        }
    }
}

fn counts(key: &str, s: &Section) -> Markup {
    let counts = [
        ("jobs.submitted", "jobs submitted", s.jobs.submitted),
        ("jobs.succeeded", "jobs succeeded", s.jobs.succeeded),
        ("jobs.failed", "jobs failed", s.jobs.failed),
        ("jobs.cancelled", "jobs cancelled", s.jobs.cancelled),
        (
            "jobs.dead_lettered",
            "jobs dead-lettered",
            s.jobs.dead_lettered,
        ),
        ("jobs.replayed", "jobs replayed", s.jobs.replayed),
        ("jobs.retries", "retries", s.jobs.retries),
        (
            "robots.robots_denials",
            "robots.txt denials",
            s.robots.robots_denials,
        ),
        (
            "robots.deferrals",
            "politeness deferrals",
            s.robots.deferrals,
        ),
        ("webhooks.attempts", "webhook attempts", s.webhooks.attempts),
        (
            "webhooks.delivered",
            "webhooks delivered",
            s.webhooks.delivered,
        ),
        ("webhooks.failed", "webhooks failed", s.webhooks.failed),
        (
            "subject_requests.erasures",
            "erasure requests",
            s.subject_requests.erasures,
        ),
        (
            "subject_requests.access_exports",
            "access requests",
            s.subject_requests.access_exports,
        ),
    ];
    html! {
        @for (path, label, value) in counts {
            (row(key, path, label, &value.to_string(), Some(value as f64)))
        }
    }
}

fn rates(key: &str, s: &Section) -> Markup {
    let rates = [
        ("success_rate", "success rate", s.success_rate),
        (
            "webhooks.delivery_rate",
            "webhook delivery rate",
            s.webhooks.delivery_rate,
        ),
    ];
    html! {
        @for (path, label, rate) in rates {
            (row(key, path, label, &percent(rate), rate))
        }
    }
}

fn latency(key: &str, what: &str, label: &str, p: &Percentiles) -> Markup {
    html! {
        @let (count, raw) = (p.count.to_string(), Some(p.count as f64));
        (row(key, &format!("{what}.count"), &format!("{label} values"), &count, raw))
        @for (name, v) in [("p50", p.p50), ("p95", p.p95), ("p99", p.p99)] {
            (row(key, &format!("{what}.{name}"), &format!("{label} {name}"), &maybe(v), v))
        }
    }
}
