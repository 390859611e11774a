//! A report to render in tests: two tenants, one with a long name full of markup, a long
//! domain, requests, agent jobs and retention periods.

use crate::figures::{
    AgentUsage, AuditChain, DataAsOf, DomainFigures, HandledRequest, JobCounts, Methods,
    Percentiles, Report, Retention, RetentionPeriod, Section,
};

/// A tenant name that must be escaped and does not fit a chart's label area.
pub const HOSTILE_TENANT: &str =
    "a-tenant-with-a-remarkably-long-name-<script>alert('x')</script>&co";

/// The platform report of a busy month.
pub fn report() -> Report {
    Report {
        schema: crate::figures::REPORT_SCHEMA,
        month: "2026-10".to_owned(),
        period_start: "2026-10-01T00:00:00Z".to_owned(),
        period_end: "2026-11-01T00:00:00Z".to_owned(),
        scope: "all".to_owned(),
        revision: 1,
        generated_at: "2026-11-01T00:05:00Z".to_owned(),
        generated_by: "system".to_owned(),
        methods: Methods::default(),
        data_as_of: DataAsOf {
            jobs_checkpoint: 1234,
        },
        overall: busy(None, 111),
        tenants: vec![busy(Some("acme"), 101), busy(Some(HOSTILE_TENANT), 99_999)],
        retention: Retention {
            runs: 1,
            periods: vec![RetentionPeriod {
                kind: "results".to_owned(),
                days: 30.0,
            }],
            ..Retention::default()
        },
        audit_chain: AuditChain {
            ok: true,
            rows_checked: 5,
            head_seq: 5,
            head_hash: "ab".repeat(32),
            ..AuditChain::default()
        },
        notes: Vec::new(),
    }
}

/// A section with activity of every kind.
pub fn busy(tenant: Option<&str>, submitted: i64) -> Section {
    let mut daily = vec![0; 31];
    daily[0] = submitted - 1;
    daily[30] = 1;
    Section {
        tenant: tenant.map(str::to_owned),
        jobs: JobCounts {
            submitted,
            succeeded: submitted - 10,
            failed: 10,
            ..JobCounts::default()
        },
        success_rate: Some(0.9),
        ack_latency_ms: Percentiles {
            count: submitted,
            p50: Some(50.0),
            p95: Some(95.5),
            p99: Some(1009.0),
        },
        top_domains: vec![
            DomainFigures {
                domain: "a.example".to_owned(),
                submitted: 60,
                succeeded: 60,
                failed: 0,
            },
            DomainFigures {
                domain:
                    "a-very-long-subdomain-name.of-some-customer.with-many-labels.example.co.uk"
                        .to_owned(),
                submitted: 7,
                succeeded: 7,
                failed: 0,
            },
        ],
        subject_requests: crate::figures::SubjectRequests {
            erasures: 1,
            access_exports: 0,
            handled: vec![HandledRequest {
                kind: "erasure".to_owned(),
                reference: "REF-<1>".to_owned(),
                received_at: Some("2026-09-20T00:00:00Z".to_owned()),
                fulfilled_at: "2026-10-05T00:00:00Z".to_owned(),
                days: Some(15),
                within_deadline: Some(true),
            }],
        },
        agent: AgentUsage {
            jobs: 3,
            answered: 2,
            failed: 1,
            turns: 12,
            prompt_tokens: 48_000,
            completion_tokens: 3_500,
        },
        daily_submitted: daily,
        ..Section::default()
    }
}
