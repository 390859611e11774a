//! `job_domains`: the host of each job's first URL, from its JobSubmitted. Projections
//! that need a job's domain when a later event arrives write it themselves (the same
//! value every time, `ON CONFLICT DO NOTHING`) before reading it, so none depends on how
//! far another projection got.

use std::collections::HashMap;

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::RecordedEvent;
use sqlx::PgConnection;

use crate::error::ProjectionError;
use crate::fold::submitted_domain;

/// Records the domains of the batch's JobSubmitted events and returns the domain of
/// every job the batch touches (`None`: no parsable first URL).
pub(crate) async fn domains_of(
    conn: &mut PgConnection,
    events: &[&RecordedEvent],
) -> Result<HashMap<String, Option<String>>, ProjectionError> {
    record_submitted(conn, events).await?;
    let mut touched: Vec<String> = events.iter().map(|e| e.event.job_id.clone()).collect();
    touched.sort();
    touched.dedup();
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT job_id, domain FROM job_domains WHERE job_id = ANY($1)")
            .bind(&touched)
            .fetch_all(conn)
            .await
            .map_err(ProjectionError::db("reading job domains"))?;
    Ok(rows.into_iter().collect())
}

/// Records the domains of the batch's JobSubmitted events.
pub(crate) async fn record_submitted(
    conn: &mut PgConnection,
    events: &[&RecordedEvent],
) -> Result<(), ProjectionError> {
    let mut ids = Vec::new();
    let mut tenants = Vec::new();
    let mut domains: Vec<Option<String>> = Vec::new();
    for recorded in events {
        if let Some(Payload::JobSubmitted(submitted)) = recorded.payload() {
            ids.push(recorded.event.job_id.clone());
            tenants.push(recorded.event.tenant.clone());
            domains.push(submitted_domain(submitted));
        }
    }
    if !ids.is_empty() {
        sqlx::query(
            "INSERT INTO job_domains (job_id, tenant, domain)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
             ON CONFLICT (job_id) DO NOTHING",
        )
        .bind(&ids)
        .bind(&tenants)
        .bind(&domains)
        .execute(&mut *conn)
        .await
        .map_err(ProjectionError::db("recording job domains"))?;
    }
    Ok(())
}
