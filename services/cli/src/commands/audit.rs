//! `jetcrawl audit verify` and `jetcrawl audit query`: the audit log through the
//! gateway's Audit service (auditor or admin key). `verify` exits non-zero when the
//! chain is broken, so scripts and cron jobs notice.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use jetcrawl_proto::v1::audit_client::AuditClient;
use jetcrawl_proto::v1::{
    AuditFilter, AuditRecord, QueryAuditLogRequest, VerifyAuditChainRequest,
    VerifyAuditChainResponse,
};
use serde_json::{Value, json};

use super::{Bearer, channel, status_error};
use crate::args::{Global, Output};
use crate::exit::Documented;

/// Audit log commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain: OK and the head hash, or the first broken row.
    Verify,
    /// Audit rows in chain order, filtered and paged.
    Query(QueryArgs),
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Tenant (default: the key's own; others need a grant).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only this job's rows.
    #[arg(long)]
    pub job: Option<String>,
    /// Only this event type, e.g. JobSubmitted, AccessDenied, ApiKeyIssued.
    #[arg(long = "type", value_name = "EVENT_TYPE")]
    pub action: Option<String>,
    /// Only this actor, e.g. key:<id>.
    #[arg(long)]
    pub actor: Option<String>,
    /// From this time on: a date (2026-12-01, midnight UTC) or an RFC 3339 time
    /// (2026-12-01T08:00:00Z).
    #[arg(long, value_parser = crate::args::instant)]
    pub since: Option<DateTime<Utc>>,
    /// Before this time: a date (midnight UTC, so `--until 2026-12-02` ends with the
    /// 1st) or an RFC 3339 time.
    #[arg(long, value_parser = crate::args::instant)]
    pub until: Option<DateTime<Utc>>,
    /// Rows per page (0: 50, at most 500).
    #[arg(long, default_value_t = 0)]
    pub page_size: u32,
    /// From a previous page's next token.
    #[arg(long, default_value = "")]
    pub page_token: String,
}

pub async fn run(global: &Global, command: AuditCommand) -> anyhow::Result<()> {
    let mut audit = AuditClient::with_interceptor(
        channel(global).await?,
        Bearer::new(global.api_key.as_deref())?,
    );
    match command {
        AuditCommand::Verify => {
            let verdict = audit
                .verify_audit_chain(VerifyAuditChainRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            if verdict.ok {
                print_verdict(global.output, &verdict);
                return Ok(());
            }
            let message = format!(
                "the audit chain is broken at seq {}: {}",
                verdict.first_broken_seq, verdict.reason
            );
            if global.output == Output::Text {
                print_verdict(global.output, &verdict);
            }
            // With --output json the verdict and the error are one document.
            Err(Documented {
                message,
                document: verdict_json(&verdict),
            }
            .into())
        }
        AuditCommand::Query(args) => {
            let page = audit
                .query_audit_log(request(args))
                .await
                .map_err(status_error)?
                .into_inner();
            match global.output {
                Output::Json => outln!(
                    "{}",
                    json!({
                        "records": page.records.iter().map(record_json).collect::<Vec<_>>(),
                        "next_page_token": page.next_page_token,
                    })
                ),
                Output::Text => {
                    crate::table::print(
                        &["SEQ", "AT", "TENANT", "TYPE", "ACTOR", "JOB"],
                        page.records
                            .iter()
                            .map(|r| {
                                vec![
                                    r.seq.to_string(),
                                    crate::table::time(r.occurred_at.as_ref()),
                                    r.tenant.clone(),
                                    r.action.clone(),
                                    r.actor.clone(),
                                    crate::table::or_dash(&r.job_id),
                                ]
                            })
                            .collect(),
                    );
                    if !page.next_page_token.is_empty() {
                        outln!("more: --page-token {}", page.next_page_token);
                    }
                }
            }
            Ok(())
        }
    }
}

fn request(args: QueryArgs) -> QueryAuditLogRequest {
    let ts = |t: DateTime<Utc>| prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    };
    QueryAuditLogRequest {
        filter: Some(AuditFilter {
            tenant: args.tenant.unwrap_or_default(),
            job_id: args.job.unwrap_or_default(),
            action: args.action.unwrap_or_default(),
            actor: args.actor.unwrap_or_default(),
            since: args.since.map(ts),
            until: args.until.map(ts),
        }),
        page_size: args.page_size,
        page_token: args.page_token,
    }
}

fn print_verdict(output: Output, v: &VerifyAuditChainResponse) {
    match output {
        Output::Json => outln!("{}", verdict_json(v)),
        Output::Text if v.ok => outln!(
            "OK  {} rows verified, head seq {} hash {}",
            v.rows_checked,
            v.head_seq,
            v.head_hash
        ),
        Output::Text => outln!(
            "BROKEN at seq {}: {} (last good seq {} hash {})",
            v.first_broken_seq,
            v.reason,
            v.head_seq,
            v.head_hash
        ),
    }
}

fn verdict_json(v: &VerifyAuditChainResponse) -> Value {
    json!({
        "ok": v.ok,
        "rows_checked": v.rows_checked,
        "head_seq": v.head_seq,
        "head_hash": v.head_hash,
        "first_broken_seq": (!v.ok).then_some(v.first_broken_seq),
        "reason": v.reason,
        "anchor_seq": v.anchor_seq,
        "anchor_hash": v.anchor_hash,
    })
}

fn time(ts: Option<&prost_types::Timestamp>) -> String {
    crate::output::datetime(ts)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

fn record_json(r: &AuditRecord) -> Value {
    json!({
        "seq": r.seq,
        "source": r.source,
        "stream_sequence": r.stream_sequence,
        "occurred_at": time(r.occurred_at.as_ref()),
        "tenant": r.tenant,
        "actor": r.actor,
        "action": r.action,
        "job_id": r.job_id,
        "details": serde_json::from_str::<Value>(&r.details_json).unwrap_or(Value::Null),
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    })
}
