//! The HTML page. Every figure sits in an element with `data-figure="<path>"` and
//! `data-value="<raw number>"`, so tools (and the tests) read the page like the JSON.
//! maud escapes every value it splices in.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{audit, methods, retention, section, summary};
use crate::figures::Report;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}\
h1{font-size:1.6rem}h3{font-size:1rem;margin:1rem 0 .2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border:1px solid #ddd;text-align:right}\
th:first-child,td:first-child{text-align:left}.ok{color:#2a7d2a}.bad{color:#b00020;font-weight:bold}\
svg{display:block;margin:.5rem 0}code{word-break:break-all}";

/// The self-contained page of `report`.
pub fn html(report: &Report) -> String {
    let scope = if report.tenants.is_empty() {
        format!("tenant {}", report.scope)
    } else {
        "all tenants".to_owned()
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Jetcrawl report " (report.month) " (" (scope) ")" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 {
                    "Jetcrawl monthly report "
                    span data-figure="month" { (report.month) }
                    " — " (scope)
                }
                p {
                    "Period " (report.period_start) " to " (report.period_end) " (UTC). "
                    "Revision " (report.revision) ", generated " (report.generated_at)
                    " by " (report.generated_by) ". "
                    "Read models as of JOBS sequence " (report.data_as_of.jobs_checkpoint) "."
                }
                (summary::summary(report))
                (section::section("overall", &report.overall))
                (tenants(report))
                (audit::audit_chain(&report.audit_chain))
                (retention::retention(&report.retention))
                (methods::methods(report))
            }
        }
    };
    page.into_string()
}

/// Every tenant's section, after a chart of their jobs (the platform report only).
fn tenants(report: &Report) -> Markup {
    if report.tenants.is_empty() {
        return html! {};
    }
    html! {
        h2 { "Per tenant" }
        h3 { "Jobs by tenant" }
        (section::chart(super::charts::jobs(report)))
        @for tenant in &report.tenants {
            @let key = format!("tenant.{}", tenant.tenant.as_deref().unwrap_or(""));
            (section::section(&key, tenant))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::{self, HOSTILE_TENANT};

    #[test]
    fn the_page_escapes_what_it_shows_and_fetches_nothing() {
        let page = html(&sample::report());
        assert!(!page.contains(HOSTILE_TENANT), "unescaped tenant name");
        assert!(page.contains("&lt;script&gt;alert('x')&lt;/script&gt;&amp;co"));
        assert!(page.contains("REF-&lt;1&gt;"));
        for fetch in ["<script", "<link", " src=", "url(", "@import"] {
            assert!(!page.contains(fetch), "{fetch} in the page");
        }
        for chart in ["ack_latency", "duration", "daily", "domains", "jobs"] {
            assert!(
                page.contains(&format!("<svg data-chart=\"{chart}\"")),
                "{chart}"
            );
        }
    }

    #[test]
    fn figures_are_readable_from_their_attributes() {
        let page = html(&sample::report());
        for figure in [
            r#"<span data-figure="month">2026-10</span>"#,
            r#"data-figure="overall.jobs.submitted" data-value="111">111<"#,
            r#"data-figure="tenant.acme.ack_latency_ms.p95" data-value="95.5">95.5<"#,
            r#"data-figure="overall.success_rate" data-value="0.9">90.0%<"#,
            r#"data-figure="overall.duration_ms.p50" data-value="">–<"#,
            r#"data-figure="tenant.acme.subject_requests.handled.0.within_deadline" data-value="true">yes<"#,
            r#"data-figure="retention.period.results" data-value="30">30<"#,
            r#"<span class="ok" data-figure="audit_chain.ok" data-value="true">verified</span>"#,
        ] {
            assert!(page.contains(figure), "{figure} not in the page");
        }
        assert!(page.contains("111 job(s) were submitted") && page.contains("results 30 days"));
    }

    #[test]
    fn a_quiet_month_says_so_and_draws_no_chart() {
        let mut report = sample::report();
        report.scope = "initech".to_owned();
        report.tenants.clear();
        report.overall = crate::figures::Section {
            tenant: Some("initech".to_owned()),
            daily_submitted: vec![0; 31],
            ..Default::default()
        };
        let page = html(&report);
        assert!(page.contains("No activity in this month"), "{page}");
        assert!(page.contains("Nothing was done this month"), "{page}");
        assert!(!page.contains("<svg"), "{page}");
    }
}
