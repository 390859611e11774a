//! ListDeadLetters (admin): the dead-letter queue from the Postgres projection, newest
//! first, filtered by tenant, domain and error class, and paged.

use jetcrawl_projections::{DeadLetterRow, ProjectionError, list_dead_letters};
use jetcrawl_proto::v1::{
    AttemptError, DeadLetter, DeadLetterFilter, ListDeadLettersRequest, ListDeadLettersResponse,
};

use super::list::page_size;
use super::{Caller, Gateway, timestamp};
use crate::error::GatewayError;

impl Gateway {
    /// One page of the dead-letter queue. Admin only: the role check happens in
    /// `caller()` with `Action::ListDeadLetters`.
    #[tracing::instrument(name = "list_dead_letters", skip_all, fields(actor = %caller.actor))]
    pub async fn list_dead_letters(
        &self,
        caller: &Caller,
        request: ListDeadLettersRequest,
    ) -> Result<ListDeadLettersResponse, GatewayError> {
        let page_size = page_size(request.page_size, "dead letters")?;
        let filter = scoped_filter(caller, request.filter.as_ref())?;
        let token = (!request.page_token.is_empty()).then_some(request.page_token.as_str());
        let (rows, next) = list_dead_letters(&self.pool, &filter, page_size, token)
            .await
            .map_err(list_error)?;
        Ok(ListDeadLettersResponse {
            dead_letters: rows.iter().map(dead_letter).collect(),
            next_page_token: next.unwrap_or_default(),
        })
    }
}

/// The projection's filter, scoped to the caller: no tenant means the caller's own, and
/// a tenant the caller's key was not granted is refused. An admin of one tenant never
/// sees or replays another tenant's dead letters.
pub(crate) fn scoped_filter(
    caller: &Caller,
    filter: Option<&DeadLetterFilter>,
) -> Result<jetcrawl_projections::DeadLetterFilter, GatewayError> {
    let mut scoped = projection_filter(filter);
    let tenant = scoped.tenant.get_or_insert_with(|| caller.tenant.clone());
    caller.require_tenant("filter.tenant", tenant)?;
    Ok(scoped)
}

/// The projection's filter; empty fields match everything.
fn projection_filter(filter: Option<&DeadLetterFilter>) -> jetcrawl_projections::DeadLetterFilter {
    let set = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    filter.map_or_else(Default::default, |f| {
        jetcrawl_projections::DeadLetterFilter {
            tenant: set(&f.tenant),
            domain: set(&f.domain),
            error_class: set(&f.error_class),
        }
    })
}

pub(crate) fn list_error(err: ProjectionError) -> GatewayError {
    match err {
        ProjectionError::InvalidArgument(message) => GatewayError::invalid("page_token", message),
        other => GatewayError::unavailable_because(
            format!("listing dead letters failed: {other}"),
            other,
        ),
    }
}

fn dead_letter(row: &DeadLetterRow) -> DeadLetter {
    let errors = row.attempt_errors.as_array().cloned().unwrap_or_default();
    DeadLetter {
        job_id: row.job_id.clone(),
        tenant: row.tenant.clone(),
        domain: row.domain.clone().unwrap_or_default(),
        reason: row.reason.clone(),
        error_class: row.error_class.clone(),
        message: row.message.clone(),
        attempts: u32::try_from(row.attempts).unwrap_or_default(),
        attempt_errors: errors
            .iter()
            .map(|e| AttemptError {
                attempt: e["attempt"].as_u64().unwrap_or_default() as u32,
                error_class: e["error_class"].as_str().unwrap_or_default().to_owned(),
                message: e["message"].as_str().unwrap_or_default().to_owned(),
            })
            .collect(),
        dead_lettered_at: Some(timestamp(row.dead_lettered_at)),
        replays: u32::try_from(row.replays).unwrap_or_default(),
    }
}
