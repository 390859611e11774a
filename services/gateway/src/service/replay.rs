//! ReplayDeadLetter (admin): appends JobReplayed to one dead-lettered job, or to every
//! one a filter matches. The job gets a fresh set of attempts and keeps its history; its
//! JobReplayed message is the workers' new work message.

use jetcrawl_projections::list_dead_letters;
use jetcrawl_proto::v1::{
    ReplayDeadLetterRequest, ReplayDeadLetterResponse, ReplaySkipped, ReplayedJob,
};
use jetcrawl_streams::{Basis, Command, DecideError, ExecuteError, Retry};

use super::dead_letters::{list_error, scoped_filter};
use super::get::{check_job_id, not_found, read_error};
use super::{Caller, Gateway};
use crate::error::GatewayError;

/// Jobs one filter call replays when the request says 0.
const DEFAULT_LIMIT: u32 = 100;
/// Most jobs one filter call replays.
const MAX_LIMIT: u32 = 1000;

impl Gateway {
    /// Replays one job or a filter's matches. Admin only: the role check happens in
    /// `caller()` with `Action::ReplayDeadLetter`.
    #[tracing::instrument(name = "replay_dead_letter", skip_all, fields(actor = %caller.actor))]
    pub async fn replay_dead_letter(
        &self,
        caller: &Caller,
        request: ReplayDeadLetterRequest,
    ) -> Result<ReplayDeadLetterResponse, GatewayError> {
        if !request.job_id.is_empty() {
            check_job_id(&request.job_id)?;
            // Ownership first: another tenant's job does not exist for this caller.
            self.get_job(caller, &request.job_id).await?;
            let sequence = self
                .replay_one(caller, &request.job_id, &request.reason)
                .await
                .map_err(|err| replay_error(&request.job_id, err))?;
            return Ok(ReplayDeadLetterResponse {
                replayed: vec![ReplayedJob {
                    job_id: request.job_id,
                    sequence,
                }],
                skipped: Vec::new(),
            });
        }
        if request.filter.is_none() {
            return Err(GatewayError::invalid(
                "job_id",
                "give a job_id, or a filter (tenant, domain, error_class) to replay every match",
            ));
        }
        self.replay_matching(caller, &request).await
    }

    async fn replay_matching(
        &self,
        caller: &Caller,
        request: &ReplayDeadLetterRequest,
    ) -> Result<ReplayDeadLetterResponse, GatewayError> {
        let limit = match request.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let filter = scoped_filter(caller, request.filter.as_ref())?;
        // Replayed rows leave the queue, so the first page is always the next batch; the
        // projection may lag, so a job replayed meanwhile is refused by the state machine.
        let (rows, _) = list_dead_letters(&self.pool, &filter, limit, None)
            .await
            .map_err(list_error)?;
        let mut response = ReplayDeadLetterResponse::default();
        for row in rows {
            match self.replay_one(caller, &row.job_id, &request.reason).await {
                Ok(sequence) => response.replayed.push(ReplayedJob {
                    job_id: row.job_id,
                    sequence,
                }),
                Err(err) => response.skipped.push(ReplaySkipped {
                    reason: replay_error(&row.job_id, err).to_string(),
                    job_id: row.job_id,
                }),
            }
        }
        tracing::info!(
            replayed = response.replayed.len(),
            skipped = response.skipped.len(),
            "dead letters replayed"
        );
        Ok(response)
    }

    async fn replay_one(
        &self,
        caller: &Caller,
        job_id: &str,
        reason: &str,
    ) -> Result<u64, ExecuteError> {
        let command = Command::Replay {
            by: caller.actor.clone(),
            reason: reason.to_owned(),
        };
        let done = self
            .store
            .execute(
                job_id,
                Basis::Load,
                &caller.actor,
                command,
                chrono::Utc::now(),
                Retry::CONFLICTS_ONLY,
            )
            .await?;
        tracing::info!(job_id, "job replayed");
        Ok(done.job.last_sequence)
    }
}

fn replay_error(job_id: &str, err: ExecuteError) -> GatewayError {
    match err {
        ExecuteError::Refused {
            error: DecideError::NotFound,
            ..
        } => not_found(job_id),
        ExecuteError::Refused { error, .. } => {
            GatewayError::FailedPrecondition(format!("job {job_id}: {error}"))
        }
        ExecuteError::Store { source, .. } => read_error(job_id, source),
        ExecuteError::Contended { .. } => {
            GatewayError::unavailable(format!("job {job_id} kept changing while replaying; retry"))
        }
        ExecuteError::Intent(never) => match never {},
    }
}
