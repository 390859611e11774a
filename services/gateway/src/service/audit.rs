//! QueryAuditLog and VerifyAuditChain (auditor or admin): the audit log from Postgres,
//! scoped to the tenants the credential may read, and the chain's verification.

use chrono::DateTime;
use jetcrawl_projections::ProjectionError;
use jetcrawl_projections::audit::{self, AuditRow, ChainVerdict};
use jetcrawl_proto::v1::{
    AuditFilter, AuditRecord, QueryAuditLogRequest, QueryAuditLogResponse, VerifyAuditChainResponse,
};

use super::list::page_size;
use super::{Caller, Gateway, timestamp};
use crate::error::GatewayError;

impl Gateway {
    /// One page of the audit log, in chain order. The role check happens in `caller()`
    /// with `Action::QueryAudit`.
    #[tracing::instrument(name = "query_audit_log", skip_all, fields(actor = %caller.actor))]
    pub async fn query_audit_log(
        &self,
        caller: &Caller,
        request: QueryAuditLogRequest,
    ) -> Result<QueryAuditLogResponse, GatewayError> {
        let page_size = page_size(request.page_size, "audit rows")?;
        let filter = scoped_filter(caller, request.filter.as_ref())?;
        let token = (!request.page_token.is_empty()).then_some(request.page_token.as_str());
        let (rows, next) = audit::query_audit_log(&self.pool, &filter, page_size, token)
            .await
            .map_err(query_error)?;
        Ok(QueryAuditLogResponse {
            records: rows.iter().map(record).collect(),
            next_page_token: next.unwrap_or_default(),
        })
    }

    /// Recomputes the hash chain from the retention anchor to the head.
    #[tracing::instrument(name = "verify_audit_chain", skip_all, fields(actor = %caller.actor))]
    pub async fn verify_audit_chain(
        &self,
        caller: &Caller,
    ) -> Result<VerifyAuditChainResponse, GatewayError> {
        let verdict = audit::verify_chain(&self.pool).await.map_err(|err| {
            GatewayError::unavailable_because(
                format!("verifying the audit chain failed: {err}"),
                err,
            )
        })?;
        if !verdict.ok {
            tracing::warn!(first_broken_seq = ?verdict.first_broken_seq, reason = %verdict.reason, "audit chain broken");
        }
        Ok(verdict_to_proto(&verdict))
    }
}

/// The projection's filter: no tenant means the caller's own; a tenant the credential
/// was not granted is PERMISSION_DENIED; bad time bounds are INVALID_ARGUMENT.
fn scoped_filter(
    caller: &Caller,
    filter: Option<&AuditFilter>,
) -> Result<audit::AuditFilter, GatewayError> {
    let default = AuditFilter::default();
    let f = filter.unwrap_or(&default);
    let set = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    let tenant = set(&f.tenant).unwrap_or_else(|| caller.tenant.clone());
    caller.require_tenant("filter.tenant", &tenant)?;
    let time = |field: &str, t: Option<&prost_types::Timestamp>| {
        t.map(|t| {
            DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32).ok_or_else(|| {
                GatewayError::invalid(field, "not a valid timestamp; send seconds since 1970")
            })
        })
        .transpose()
    };
    let action = set(&f.action);
    if let Some(action) = &action {
        let known = audit::row_actions();
        if !known.contains(&action.as_str()) {
            return Err(GatewayError::invalid(
                "filter.action",
                format!(
                    "{action:?} is not an audit row type; use one of {}",
                    known.join(", ")
                ),
            ));
        }
    }
    let since = time("filter.since", f.since.as_ref())?;
    let until = time("filter.until", f.until.as_ref())?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(GatewayError::invalid(
            "filter.until",
            format!("until ({u}) must be after since ({s}); the range is [since, until)"),
        ));
    }
    Ok(audit::AuditFilter {
        tenants: vec![tenant],
        job_id: set(&f.job_id),
        action,
        actor: set(&f.actor),
        since,
        until,
    })
}

fn query_error(err: ProjectionError) -> GatewayError {
    match err {
        ProjectionError::InvalidArgument(message) => GatewayError::invalid("page_token", message),
        other => GatewayError::unavailable_because(
            format!("querying the audit log failed: {other}"),
            other,
        ),
    }
}

fn record(row: &AuditRow) -> AuditRecord {
    AuditRecord {
        seq: u64::try_from(row.seq).unwrap_or_default(),
        source: row.source.clone(),
        stream_sequence: u64::try_from(row.stream_seq).unwrap_or_default(),
        occurred_at: Some(timestamp(row.occurred_at)),
        tenant: row.tenant.clone(),
        actor: row.actor.clone(),
        action: row.action.clone(),
        job_id: row.job_id.clone().unwrap_or_default(),
        details_json: row.details.to_string(),
        prev_hash: row.prev_hash.clone(),
        hash: row.hash.clone(),
    }
}

/// The verdict as the RPC answers it.
pub fn verdict_to_proto(v: &ChainVerdict) -> VerifyAuditChainResponse {
    let unsigned = |n: i64| u64::try_from(n).unwrap_or_default();
    VerifyAuditChainResponse {
        ok: v.ok,
        rows_checked: v.rows_checked,
        head_seq: unsigned(v.head_seq),
        head_hash: v.head_hash.clone(),
        first_broken_seq: v.first_broken_seq.map(unsigned).unwrap_or_default(),
        reason: v.reason.clone(),
        anchor_seq: unsigned(v.anchor_seq),
        anchor_hash: v.anchor_hash.clone(),
    }
}
