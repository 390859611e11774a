//! `jetcrawl report --month 2026-10`: generate (or fetch) a month's report through the
//! gateway's Reports service and print signed URLs of its HTML and JSON (auditor or
//! admin key).

use clap::Args;
use jetcrawl_proto::v1::reports_client::ReportsClient;
use jetcrawl_proto::v1::{
    GenerateMonthlyReportRequest, GetReportRequest, GetReportResponse, ReportFile,
};
use serde_json::{Value, json};

use super::{Bearer, channel, status_error};
use crate::args::{Global, Output};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The month, YYYY-MM (UTC), e.g. 2026-10. It must be over.
    #[arg(long)]
    pub month: String,
    /// Generate a new revision even if the month has a report (admin key).
    #[arg(long)]
    pub regenerate: bool,
    /// Whose report; the key's own tenant by default.
    #[arg(long, conflicts_with = "all_tenants")]
    pub tenant: Option<String>,
    /// The platform report (every tenant), for a key granted every tenant in it.
    #[arg(long)]
    pub all_tenants: bool,
    /// Only fetch an existing report; never generate.
    #[arg(long, conflicts_with = "regenerate")]
    pub no_generate: bool,
    /// Lifetime of the URLs in seconds (0: the gateway's default).
    #[arg(long, default_value_t = 0)]
    pub ttl_seconds: u32,
}

pub async fn run(global: &Global, args: ReportArgs) -> anyhow::Result<()> {
    let mut reports = ReportsClient::with_interceptor(
        channel(global).await?,
        Bearer::new(global.api_key.as_deref())?,
    );
    let mut generated = None;
    if !args.no_generate {
        let done = reports
            .generate_monthly_report(GenerateMonthlyReportRequest {
                month: args.month.clone(),
                regenerate: args.regenerate,
            })
            .await
            .map_err(status_error)?
            .into_inner();
        generated = Some(done.generated);
    }
    let report = reports
        .get_report(GetReportRequest {
            month: args.month.clone(),
            tenant: args.tenant.clone().unwrap_or_default(),
            all_tenants: args.all_tenants,
            revision: 0,
            ttl_seconds: args.ttl_seconds,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    match global.output {
        Output::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report_json(&report, generated))?
        ),
        Output::Text => print_text(&report, generated),
    }
    Ok(())
}

fn print_text(report: &GetReportResponse, generated: Option<bool>) {
    let summary = report.report.clone().unwrap_or_default();
    let how = match generated {
        Some(true) => "generated now",
        Some(false) => "already existed",
        None => "existing",
    };
    outln!(
        "report {} revision {} ({how}), scope {}, by {}",
        summary.month,
        summary.revision,
        report.scope,
        summary.generated_by
    );
    let chain = if summary.audit_chain_ok {
        "verified"
    } else {
        "BROKEN"
    };
    outln!("audit chain {chain}, head {}", summary.audit_head_hash);
    for file in [&report.html, &report.json].into_iter().flatten() {
        outln!(
            "{:<6} {} ({} bytes, sha256 {})",
            format_of(file),
            file.url,
            file.size,
            file.sha256
        );
    }
}

fn format_of(file: &ReportFile) -> &str {
    file.name.rsplit('.').next().unwrap_or("")
}

fn report_json(report: &GetReportResponse, generated: Option<bool>) -> Value {
    let summary = report.report.clone().unwrap_or_default();
    let file = |f: &Option<ReportFile>| {
        f.as_ref().map(|f| json!({"name": f.name, "url": f.url, "content_type": f.content_type, "size": f.size, "sha256": f.sha256}))
    };
    json!({
        "month": summary.month,
        "revision": summary.revision,
        "generated": generated,
        "generated_by": summary.generated_by,
        "event_sequence": summary.event_sequence,
        "audit_chain_ok": summary.audit_chain_ok,
        "audit_head_hash": summary.audit_head_hash,
        "scope": report.scope,
        "html": file(&report.html),
        "json": file(&report.json),
        "key_id": report.key_id,
    })
}
