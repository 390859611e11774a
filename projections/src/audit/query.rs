//! QueryAuditLog: audit rows filtered by tenant, job, action, actor and time range,
//! ordered by chain sequence and keyset-paged on it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::row::{AUDIT_COLUMNS, AuditRow};
use crate::error::ProjectionError;
use crate::queries::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Which audit rows; every `Some` must match. Tenants are required: callers scope them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Tenants the rows may belong to (at least one).
    pub tenants: Vec<String>,
    /// The job.
    pub job_id: Option<String>,
    /// The event type, e.g. `JobSubmitted`.
    pub action: Option<String>,
    /// The actor, e.g. `key:<id>`.
    pub actor: Option<String>,
    /// occurred_at >= since.
    pub since: Option<DateTime<Utc>>,
    /// occurred_at < until.
    pub until: Option<DateTime<Utc>>,
}

/// One page of matching rows in seq order, and the next page's token when there is one.
pub async fn query_audit_log(
    pool: &PgPool,
    filter: &AuditFilter,
    page_size: u32,
    page_token: Option<&str>,
) -> Result<(Vec<AuditRow>, Option<String>), ProjectionError> {
    if filter.tenants.is_empty() {
        return Err(ProjectionError::InvalidArgument(
            "filter.tenant: no tenant to query; name a tenant the credential may read".into(),
        ));
    }
    let after = page_token
        .filter(|t| !t.is_empty())
        .map(decode_token)
        .transpose()?
        .unwrap_or(0);
    let size = match page_size {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    let mut rows: Vec<AuditRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log
         WHERE tenant = ANY($1)
           AND ($2::text IS NULL OR job_id = $2)
           AND ($3::text IS NULL OR action = $3)
           AND ($4::text IS NULL OR actor = $4)
           AND ($5::timestamptz IS NULL OR occurred_at >= $5)
           AND ($6::timestamptz IS NULL OR occurred_at < $6)
           AND seq > $7
         ORDER BY seq
         LIMIT $8"
    )))
    .bind(&filter.tenants)
    .bind(filter.job_id.as_deref())
    .bind(filter.action.as_deref())
    .bind(filter.actor.as_deref())
    .bind(filter.since)
    .bind(filter.until)
    .bind(after)
    .bind(i64::from(size) + 1)
    .fetch_all(pool)
    .await
    .map_err(ProjectionError::db("querying audit_log"))?;
    let next = if rows.len() > size as usize {
        rows.truncate(size as usize);
        rows.last().map(|r| encode_token(r.seq))
    } else {
        None
    };
    Ok((rows, next))
}

fn encode_token(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("audit:v1:{seq}"))
}

fn decode_token(token: &str) -> Result<i64, ProjectionError> {
    let invalid = || {
        ProjectionError::InvalidArgument(format!(
            "page token {token:?} is not one QueryAuditLog issued; pass the next_page_token \
             of the previous page unchanged, or none for the first page"
        ))
    };
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    raw.strip_prefix("audit:v1:")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| *s >= 0)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_token(&encode_token(42)).expect("decodes"), 42);
        let err = decode_token("bogus").expect_err("refused");
        assert!(err.to_string().contains("next_page_token"), "{err}");
        assert!(decode_token(&URL_SAFE_NO_PAD.encode("v1:1:x")).is_err());
    }
}
