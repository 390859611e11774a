//! Index rows as the `jetcrawl.v1` messages the gateway answers with.

use jetcrawl_proto::v1::{GenerateMonthlyReportResponse, ReportSummary};

use super::index::ReportRow;

/// The summary of one generation.
pub fn summary(row: &ReportRow) -> ReportSummary {
    ReportSummary {
        month: row.month.clone(),
        revision: u32::try_from(row.revision).unwrap_or_default(),
        generated_at: Some(prost_types::Timestamp {
            seconds: row.generated_at.timestamp(),
            nanos: i32::try_from(row.generated_at.timestamp_subsec_nanos()).unwrap_or_default(),
        }),
        generated_by: row.generated_by.clone(),
        event_sequence: u64::try_from(row.event_seq).unwrap_or_default(),
        audit_chain_ok: row.audit_chain_ok,
        audit_head_hash: row.audit_head_hash.clone(),
    }
}

/// GenerateMonthlyReport's answer.
pub fn response(row: &ReportRow, generated: bool) -> GenerateMonthlyReportResponse {
    GenerateMonthlyReportResponse {
        report: Some(summary(row)),
        generated,
    }
}
