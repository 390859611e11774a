//! The HTML page. Every figure sits in an element with `data-figure="<path>"` and
//! `data-value="<raw number>"`, so tools (and the tests) read the page like the JSON.

use std::fmt::Write as _;

use super::charts;
use super::format::{escape, maybe, number, percent};
use crate::figures::{AuditChain, HandledRequest, Report, Section};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}\
h1{font-size:1.6rem}h3{font-size:1rem;margin:1rem 0 .2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border:1px solid #ddd;text-align:right}\
th:first-child,td:first-child{text-align:left}.ok{color:#2a7d2a}.bad{color:#b00020;font-weight:bold}\
svg{display:block;margin:.5rem 0}svg .label,svg .value{font-size:11px;fill:#333}code{word-break:break-all}";

/// The self-contained page of `report`.
pub fn html(report: &Report) -> String {
    let scope = if report.tenants.is_empty() {
        format!("tenant {}", escape(&report.scope))
    } else {
        "all tenants".to_owned()
    };
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Jetcrawl report {month} ({scope})</title><style>{STYLE}</style></head><body>\
         <h1>Jetcrawl monthly report <span data-figure=\"month\">{month}</span> — {scope}</h1>\
         <p>Period {start} to {end} (UTC). Revision {rev}, generated {at} by {by}. \
         Read models as of JOBS sequence {seq}.</p>",
        month = escape(&report.month),
        start = escape(&report.period_start),
        end = escape(&report.period_end),
        rev = report.revision,
        at = escape(&report.generated_at),
        by = escape(&report.generated_by),
        seq = report.data_as_of.jobs_checkpoint,
    );
    summary(&mut out, report);
    section(&mut out, "overall", &report.overall);
    if !report.tenants.is_empty() {
        out.push_str("<h2>Per tenant</h2><h3>Jobs by tenant</h3>");
        out.push_str(&charts::jobs(report));
        for tenant in &report.tenants {
            let key = format!("tenant.{}", tenant.tenant.as_deref().unwrap_or(""));
            section(&mut out, &key, tenant);
        }
    }
    platform(&mut out, report);
    methods(&mut out, report);
    out.push_str("</body></html>");
    out
}

/// The month in plain words, for a reader who will not read the tables.
fn summary(out: &mut String, report: &Report) {
    let s = &report.overall;
    let jobs = &s.jobs;
    let mut text = if quiet(s) {
        "Nothing was done this month: no jobs, no webhooks and no data-subject requests.".to_owned()
    } else {
        let rate = s
            .success_rate
            .map(|r| format!(" ({})", percent(Some(r))))
            .unwrap_or_default();
        format!(
            "{} job(s) were submitted; {} succeeded{rate}, {} failed for good and {} were \
             cancelled. {} erasure request(s) and {} access request(s) were fulfilled.",
            jobs.submitted,
            jobs.succeeded,
            jobs.failed,
            jobs.cancelled,
            s.subject_requests.erasures,
            s.subject_requests.access_exports,
        )
    };
    let chain = &report.audit_chain;
    text.push_str(if chain.ok {
        " The audit log's hash chain verified intact when this report was made."
    } else {
        " WARNING: the audit log's hash chain is broken (see \"Audit chain\")."
    });
    let kept: Vec<String> = report
        .retention
        .periods
        .iter()
        .map(|p| format!("{} {} days", kind_name(&p.kind), number(p.days)))
        .collect();
    if !kept.is_empty() {
        let _ = write!(text, " Data is kept: {}.", kept.join(", "));
    }
    let _ = write!(
        out,
        "<h2>Summary</h2><p data-figure=\"summary\">{}</p>",
        escape(&text)
    );
}

/// A retention category for people.
fn kind_name(kind: &str) -> String {
    match kind {
        "results" => "results".to_owned(),
        "audit_log" => "audit log rows".to_owned(),
        "job_events" => "job event log rows".to_owned(),
        "retention_runs" => "retention run records".to_owned(),
        other => other.replace('_', " "),
    }
}

fn section(out: &mut String, key: &str, s: &Section) {
    let _ = write!(
        out,
        "<h2 data-section=\"{}\">{}</h2>",
        escape(key),
        escape(&charts::name(s))
    );
    out.push_str("<table><tr><th>figure</th><th>value</th></tr>");
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
    for (path, label, value) in counts {
        row(
            out,
            key,
            path,
            label,
            &value.to_string(),
            Some(value as f64),
        );
    }
    let rate = |v: Option<f64>| (percent(v), v);
    for (path, label, (text, raw)) in [
        ("success_rate", "success rate", rate(s.success_rate)),
        (
            "webhooks.delivery_rate",
            "webhook delivery rate",
            rate(s.webhooks.delivery_rate),
        ),
    ] {
        row(out, key, path, label, &text, raw);
    }
    for (what, label, p) in [
        (
            "ack_latency_ms",
            "submit-ACK latency (ms)",
            &s.ack_latency_ms,
        ),
        ("duration_ms", "job duration (ms)", &s.duration_ms),
    ] {
        row(
            out,
            key,
            &format!("{what}.count"),
            &format!("{label} values"),
            &p.count.to_string(),
            Some(p.count as f64),
        );
        for (name, v) in [("p50", p.p50), ("p95", p.p95), ("p99", p.p99)] {
            row(
                out,
                key,
                &format!("{what}.{name}"),
                &format!("{label} {name}"),
                &maybe(v),
                v,
            );
        }
    }
    out.push_str("</table>");
    requests(out, key, &s.subject_requests.handled);
    if quiet(s) {
        // Empty charts would only look broken.
        out.push_str(
            "<p class=\"empty\" data-empty=\"true\">No activity in this month: no jobs, \
             no webhooks and no data-subject requests.</p>",
        );
        return;
    }
    let charts = [
        (
            "Submit-ACK latency (ms)",
            charts::percentiles("ack_latency", "Submit-ACK latency (ms)", &s.ack_latency_ms),
        ),
        (
            "Job duration (ms)",
            charts::percentiles("duration", "Job duration (ms)", &s.duration_ms),
        ),
        ("Jobs submitted per day", charts::daily(s)),
    ];
    for (title, svg) in charts {
        let _ = write!(out, "<h3>{title}</h3>{svg}");
    }
    if !s.top_domains.is_empty() {
        let _ = write!(out, "<h3>Top domains</h3>{}", charts::domains(s));
    }
}

/// The data subjects' requests fulfilled, each against the one-month deadline.
fn requests(out: &mut String, key: &str, handled: &[HandledRequest]) {
    if handled.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Data-subject requests fulfilled</h3><table><tr><th>request</th><th>reference</th>\
         <th>received</th><th>fulfilled</th><th>days</th><th>within one month (Art. 12(3))</th></tr>",
    );
    for (i, r) in handled.iter().enumerate() {
        let (class, verdict) = match r.within_deadline {
            Some(true) => ("ok", "yes"),
            Some(false) => ("bad", "NO"),
            None => ("", "unknown: no receipt date was given"),
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"{class}\" data-figure=\"{}.subject_requests.handled.{i}.within_deadline\" \
             data-value=\"{}\">{verdict}</td></tr>",
            escape(&r.kind),
            escape(if r.reference.is_empty() {
                "–"
            } else {
                &r.reference
            }),
            escape(r.received_at.as_deref().unwrap_or("not given")),
            escape(&r.fulfilled_at),
            r.days.map_or_else(|| "–".to_owned(), |d| d.to_string()),
            escape(key),
            r.within_deadline
                .map_or("unknown", |ok| if ok { "true" } else { "false" }),
        );
    }
    out.push_str("</table>");
}

/// True when the section counts nothing at all.
fn quiet(s: &Section) -> bool {
    s.jobs.submitted == 0
        && s.webhooks.attempts == 0
        && s.subject_requests.erasures == 0
        && s.subject_requests.access_exports == 0
        && s.robots.robots_denials == 0
}

fn row(out: &mut String, key: &str, path: &str, label: &str, text: &str, raw: Option<f64>) {
    let raw = raw.map(number).unwrap_or_default();
    let _ = write!(
        out,
        "<tr><td>{}</td><td data-figure=\"{}.{}\" data-value=\"{}\">{}</td></tr>",
        escape(label),
        escape(key),
        escape(path),
        escape(&raw),
        escape(text)
    );
}

fn platform(out: &mut String, report: &Report) {
    let chain = &report.audit_chain;
    let verdict = if chain.ok {
        "<span class=\"ok\" data-figure=\"audit_chain.ok\" data-value=\"true\">verified</span>"
            .to_owned()
    } else {
        format!(
            "<span class=\"bad\" data-figure=\"audit_chain.ok\" data-value=\"false\">BROKEN at seq {}</span>: {}",
            chain.first_broken_seq.unwrap_or_default(),
            escape(&chain.reason)
        )
    };
    let _ = write!(
        out,
        "<h2>Audit chain</h2><p>{verdict}. Head hash <code data-figure=\"audit_chain.head_hash\">{}</code>.</p>",
        escape(&chain.head_hash)
    );
    verify_steps(out, chain);
    let retention = &report.retention;
    let _ = write!(
        out,
        "<h2>Retention</h2><p><span data-figure=\"retention.runs\" data-value=\"{0}\">{0}</span> run(s) in the month; last at {1}.</p>",
        retention.runs,
        escape(retention.last_run_at.as_deref().unwrap_or("–"))
    );
    if retention.periods.is_empty() {
        out.push_str(
            "<p>No retention run was ever recorded, so no period is known to be in force.</p>",
        );
    } else {
        out.push_str("<p>Periods in force (applied by the last run):</p><table><tr><th>records</th><th>kept for (days)</th></tr>");
        for period in &retention.periods {
            row(
                out,
                "retention",
                &format!("period.{}", period.kind),
                &kind_name(&period.kind),
                &number(period.days),
                Some(period.days),
            );
        }
        out.push_str("</table>");
    }
    if !retention.removed.is_empty() {
        out.push_str("<table><tr><th>removed</th><th>records</th></tr>");
        for removed in &retention.removed {
            row(
                out,
                "retention",
                &format!("removed.{}", removed.kind),
                &removed.kind,
                &removed.count.to_string(),
                Some(removed.count as f64),
            );
        }
        out.push_str("</table>");
    }
}

/// How anyone can check the head hash this report states, step by step.
fn verify_steps(out: &mut String, chain: &AuditChain) {
    let row = if chain.head_seq > 0 {
        format!(
            " (row {}: <code>jetcrawl --output json audit query</code> shows its \
             <code>hash</code>)",
            chain.head_seq
        )
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<h3>How to verify the audit chain yourself</h3><ol data-figure=\"audit_chain.verify_steps\">\
         <li>With an auditor or admin API key, run <code>jetcrawl audit verify</code> \
         (or call <code>VerifyAuditChain</code>). It recomputes every row's hash from the \
         row and the previous hash, so a changed, removed or inserted row breaks the chain \
         at that row.</li>\
         <li>It must answer <code>OK</code>. If no row was added since this report, the head \
         hash it prints is <code>{hash}</code>; otherwise the chain it verified runs through \
         the row that had that hash{row}.</li>\
         <li><code>jetcrawl audit query --type ReportGenerated</code> lists this report's \
         own row, with the sha256 of each of its files: compare it with \
         <code>sha256sum</code> of your copy.</li></ol>",
        hash = escape(&chain.head_hash),
    );
}

fn methods(out: &mut String, report: &Report) {
    let m = &report.methods;
    let _ = write!(
        out,
        "<h2>Method</h2><ul><li>Percentiles: <span data-figure=\"methods.percentiles\">{}</span>.</li>\
         <li>Counting: {}.</li><li>Success rate: {}.</li><li>Duration: {}.</li>\
         <li>Webhook delivery rate: {}.</li></ul>",
        escape(&m.percentiles),
        escape(&m.counting),
        escape(&m.success_rate),
        escape(&m.duration),
        escape(&m.webhook_delivery_rate)
    );
    if !report.notes.is_empty() {
        out.push_str("<h2>Notes</h2><ul>");
        for note in &report.notes {
            let _ = write!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>");
    }
}
