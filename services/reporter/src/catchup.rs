//! Before taking figures, wait until the jobs projection has applied everything the
//! JOBS stream held when generation started, so a lagging projector cannot produce a
//! report that silently misses events.

use std::time::Duration;

use async_nats::jetstream::Context;
use jetcrawl_streams::subjects::JOBS_STREAM;
use sqlx::PgPool;

use crate::error::ReportError;

/// How often the checkpoint is re-read while waiting.
const POLL: Duration = Duration::from_millis(200);

/// Waits up to `timeout` for the `jobs` checkpoint to reach the stream's last sequence.
pub async fn wait_for_projection(
    pool: &PgPool,
    js: &Context,
    timeout: Duration,
) -> Result<(), ReportError> {
    let mut stream = js
        .get_stream(JOBS_STREAM)
        .await
        .map_err(|err| ReportError::nats("reading the JOBS stream", err))?;
    let target = stream
        .info()
        .await
        .map_err(|err| ReportError::nats("reading the JOBS stream", err))?
        .state
        .last_sequence;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let applied =
            jetcrawl_projections::checkpoint(pool, jetcrawl_projections::JOBS_PROJECTION).await?;
        if applied >= target {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ReportError::Precondition(format!(
                "the jobs projection has applied JOBS up to sequence {applied} of {target}; \
                 the report would miss events: check that jetcrawl-projector runs, then retry"
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}
