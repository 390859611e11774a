//! Erasure and access requests handled in the month: `SubjectErased` and
//! `SubjectDataExported` rows of the audit log.

use chrono::{DateTime, Months, SecondsFormat, Utc};
use sqlx::PgPool;

use super::{MonthFigures, schema};
use crate::error::ReportError;
use crate::figures::{HandledRequest, SubjectRequests};

const SUBJECT_REQUESTS: &str = "
SELECT tenant,
    count(*) FILTER (WHERE action = 'SubjectErased'),
    count(*) FILTER (WHERE action = 'SubjectDataExported')
FROM audit_log
WHERE action IN ('SubjectErased', 'SubjectDataExported')
  AND occurred_at >= $1 AND occurred_at < $2
GROUP BY GROUPING SETS ((tenant), ())";

const HANDLED: &str = "
SELECT tenant, action, occurred_at,
    coalesce(details->'request'->>'reference', ''), details->'request'->>'received_at'
FROM audit_log
WHERE action IN ('SubjectErased', 'SubjectDataExported')
  AND occurred_at >= $1 AND occurred_at < $2
ORDER BY seq";

/// tenant, action, fulfilled at, reference, received at (RFC 3339).
type HandledRow = (String, String, DateTime<Utc>, String, Option<String>);

/// Fills `subject_requests` of every section, or notes that the audit log is missing.
pub async fn fill(
    pool: &PgPool,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    figures: &mut MonthFigures,
) -> Result<(), ReportError> {
    if !schema::has_table(pool, "audit_log").await? {
        figures.notes.push(
            "erasure and access requests: there is no audit_log table yet; none counted".to_owned(),
        );
        return Ok(());
    }
    let rows: Vec<(Option<String>, i64, i64)> = sqlx::query_as(SUBJECT_REQUESTS)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("counting erasure and access requests"))?;
    for (tenant, erasures, access_exports) in rows {
        // A tenant with requests but no job events still gets its section.
        figures.section(tenant).subject_requests = SubjectRequests {
            erasures,
            access_exports,
            handled: Vec::new(),
        };
    }
    let handled: Vec<HandledRow> = sqlx::query_as(HANDLED)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await
        .map_err(ReportError::db("listing erasure and access requests"))?;
    for (tenant, action, fulfilled, reference, received) in handled {
        let request = handled_request(&action, fulfilled, reference, received.as_deref());
        figures
            .section(Some(tenant))
            .subject_requests
            .handled
            .push(request.clone());
        figures.section(None).subject_requests.handled.push(request);
    }
    Ok(())
}

/// One request, held against Art. 12(3): fulfilled within one calendar month of receipt.
fn handled_request(
    action: &str,
    fulfilled: DateTime<Utc>,
    reference: String,
    received: Option<&str>,
) -> HandledRequest {
    let received = received
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let deadline = received.and_then(|r| r.checked_add_months(Months::new(1)));
    HandledRequest {
        kind: if action == "SubjectErased" {
            "erasure"
        } else {
            "access"
        }
        .to_owned(),
        reference,
        received_at: received.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        fulfilled_at: fulfilled.to_rfc3339_opts(SecondsFormat::Secs, true),
        days: received.map(|r| (fulfilled - r).num_days()),
        within_deadline: deadline.map(|d| fulfilled <= d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_on_time_within_one_calendar_month_of_receipt() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        let on_time = handled_request(
            "SubjectErased",
            at("2026-02-27T10:00:00Z"),
            "T-1".into(),
            Some("2026-01-31T09:00:00Z"),
        );
        assert_eq!(
            (on_time.days, on_time.within_deadline),
            (Some(27), Some(true))
        );
        let late = handled_request(
            "SubjectDataExported",
            at("2026-03-02T10:00:00Z"),
            String::new(),
            Some("2026-01-31T09:00:00Z"),
        );
        assert_eq!(
            (late.kind.as_str(), late.within_deadline),
            ("access", Some(false))
        );
        let unknown = handled_request(
            "SubjectErased",
            at("2026-03-02T10:00:00Z"),
            String::new(),
            None,
        );
        assert_eq!((unknown.days, unknown.within_deadline), (None, None));
    }
}
