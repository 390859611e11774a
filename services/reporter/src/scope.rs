//! Cutting a month's figures into reports: the platform report (every tenant, and every
//! tenant together) and one report per tenant holding that tenant's figures only, so a
//! tenant's auditor never sees another tenant's data.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::figures::{AuditChain, Methods, REPORT_SCHEMA, Report, Retention, Section};
use crate::month::Month;
use crate::query::MonthFigures;

/// Scope name of the platform report.
pub const PLATFORM_SCOPE: &str = "all";

/// The facts about one generation that every report of it carries.
#[derive(Debug, Clone)]
pub struct Generation {
    /// The month covered.
    pub month: Month,
    /// Generation number, from 1.
    pub revision: u32,
    /// When.
    pub generated_at: DateTime<Utc>,
    /// Who asked: `system` or the caller's actor.
    pub generated_by: String,
}

/// The platform report: every tenant's section and the overall one.
pub fn platform_report(figures: &MonthFigures, generation: &Generation) -> Report {
    Report {
        scope: PLATFORM_SCOPE.to_owned(),
        overall: figures.overall.clone(),
        tenants: figures.tenants.values().cloned().collect(),
        retention: figures.retention.clone(),
        audit_chain: figures.audit_chain.clone(),
        ..base(figures, generation)
    }
}

/// `tenant`'s report: its own section as the overall one. Platform-wide counts (rows
/// of the audit chain, records retention removed) stay in the platform report; the
/// chain's verdict and head hash, and when retention ran, are shown.
pub fn tenant_report(figures: &MonthFigures, tenant: &str, generation: &Generation) -> Report {
    let overall = figures
        .tenants
        .get(tenant)
        .cloned()
        .unwrap_or_else(|| Section {
            tenant: Some(tenant.to_owned()),
            daily_submitted: vec![0; generation.month.days() as usize],
            ..Section::default()
        });
    Report {
        scope: tenant.to_owned(),
        overall,
        tenants: Vec::new(),
        retention: Retention {
            removed: Vec::new(),
            ..figures.retention.clone()
        },
        audit_chain: AuditChain {
            rows_checked: 0,
            head_seq: 0,
            ..figures.audit_chain.clone()
        },
        ..base(figures, generation)
    }
}

fn base(figures: &MonthFigures, generation: &Generation) -> Report {
    let month = generation.month;
    Report {
        schema: REPORT_SCHEMA,
        month: month.to_string(),
        period_start: month.start().to_rfc3339_opts(SecondsFormat::Secs, true),
        period_end: month.end().to_rfc3339_opts(SecondsFormat::Secs, true),
        scope: String::new(),
        revision: generation.revision,
        generated_at: generation
            .generated_at
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        generated_by: generation.generated_by.clone(),
        methods: Methods::default(),
        data_as_of: figures.data_as_of.clone(),
        overall: Section::default(),
        tenants: Vec::new(),
        retention: Retention::default(),
        audit_chain: AuditChain::default(),
        notes: figures.notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::JobCounts;

    fn figures() -> MonthFigures {
        let mut figures = MonthFigures::default();
        for (tenant, submitted) in [("acme", 3), ("globex", 5)] {
            figures.section(Some(tenant.to_owned())).jobs = JobCounts {
                submitted,
                ..JobCounts::default()
            };
        }
        figures.overall.jobs.submitted = 8;
        figures.audit_chain = AuditChain {
            ok: true,
            rows_checked: 40,
            head_seq: 40,
            head_hash: "ab".repeat(32),
            ..AuditChain::default()
        };
        figures
    }

    fn generation() -> Generation {
        Generation {
            month: "2026-10".parse().expect("month"),
            revision: 1,
            generated_at: Utc::now(),
            generated_by: "system".to_owned(),
        }
    }

    #[test]
    fn a_tenant_report_holds_only_that_tenants_figures() {
        let report = tenant_report(&figures(), "acme", &generation());
        assert_eq!(report.scope, "acme");
        assert_eq!(report.overall.jobs.submitted, 3);
        assert!(report.tenants.is_empty());
        let json = serde_json::to_string(&report).expect("json");
        assert!(!json.contains("globex"), "{json}");
        assert!(report.audit_chain.ok);
        assert_eq!(report.audit_chain.head_hash, "ab".repeat(32));
        assert_eq!(report.audit_chain.rows_checked, 0);
    }

    #[test]
    fn the_platform_report_holds_every_tenant_and_the_total() {
        let report = platform_report(&figures(), &generation());
        assert_eq!(report.scope, PLATFORM_SCOPE);
        assert_eq!(report.overall.jobs.submitted, 8);
        let names: Vec<_> = report
            .tenants
            .iter()
            .filter_map(|s| s.tenant.clone())
            .collect();
        assert_eq!(names, ["acme", "globex"]);
        assert_eq!(report.period_start, "2026-10-01T00:00:00Z");
    }
}
