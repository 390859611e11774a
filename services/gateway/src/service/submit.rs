//! SubmitJob: validate, derive the job id, execute `Command::Submit` on the fresh job
//! (one append at expected subject sequence 0, no read), and answer within the submit
//! budget.
//!
//! The expected-sequence check makes idempotency permanent: a repeat after JetStream's
//! duplicate window still fails the append, and is then answered from the job's history.

use std::time::Instant;

use jetcrawl_proto::v1::{SubmitJobRequest, SubmitJobResponse};
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::{Basis, Command, DecideError, ExecuteError, Job, Outcome, Retry};
use tracing::{Span, field};

use super::{Caller, Gateway, job_id_for};
use crate::error::{GatewayError, code_name};
use crate::metrics::{SUBMIT_ACK_SECONDS, SUBMITS_TOTAL};
use crate::validate::validate_submission;

/// A job id and the key it was derived from, for messages.
struct Target<'a> {
    job_id: &'a str,
    tenant: &'a str,
    key: Option<&'a str>,
    spec_sha256: &'a str,
}

impl Gateway {
    /// Submits a job for `caller`. `arrived` is when the request reached the gateway: the
    /// budget and the ack latency metric count from there.
    #[tracing::instrument(name = "submit_job", skip_all, fields(tenant = %caller.tenant, job_id = field::Empty))]
    pub async fn submit_job(
        &self,
        caller: &Caller,
        request: SubmitJobRequest,
        arrived: Instant,
    ) -> Result<SubmitJobResponse, GatewayError> {
        let result = self.submit(caller, request, arrived).await;
        if let Ok(done) = &result
            && !done.duplicate
        {
            self.guards.quotas.accepted(&caller.tenant);
        }
        record_submit(result.as_ref().map(|_| ()), arrived);
        result
    }

    /// Records a submit refused before it reached [`Gateway::submit_job`] (e.g. a body
    /// that is not valid JSON) and hands the error back.
    pub fn refuse_submit(&self, err: GatewayError, arrived: Instant) -> GatewayError {
        record_submit(Err(&err), arrived);
        err
    }

    async fn submit(
        &self,
        caller: &Caller,
        request: SubmitJobRequest,
        arrived: Instant,
    ) -> Result<SubmitJobResponse, GatewayError> {
        let valid = validate_submission(request, &self.settings.limits)?;
        self.guards.quotas.admit_submit(&caller.tenant).await?;
        let key = valid.idempotency_key.as_deref();
        let job_id = job_id_for(&caller.tenant, key);
        Span::current().record("job_id", job_id.as_str());
        let sealed = self
            .seal_submission(&caller.tenant, &job_id, &valid.spec, arrived)
            .await?;
        let spec_sha256 = sealed.spec_sha256.clone();
        let target = Target {
            job_id: &job_id,
            tenant: &caller.tenant,
            key,
            spec_sha256: &spec_sha256,
        };
        let command = Command::Submit {
            spec: Box::new(sealed.spec),
            idempotency_key: key.unwrap_or_default().to_owned(),
            spec_sha256: spec_sha256.clone(),
            subject_ref: sealed.subject_ref,
            domain: valid.spec.domain().to_owned(),
        };
        self.record(caller, &target, command, arrived).await
    }

    /// Executes `command` on the fresh job `target`, within what is left of the submit
    /// budget.
    async fn record(
        &self,
        caller: &Caller,
        target: &Target<'_>,
        command: Command,
        arrived: Instant,
    ) -> Result<SubmitJobResponse, GatewayError> {
        // A fresh job has no events: decide on that and append at expected sequence 0,
        // one round trip. A repeated key is refused by the sequence check (or recognised
        // by its message id), and the job is then read and decided again.
        // With traces exported, the job's events name this submit span, so the workers'
        // spans join its trace (ADR 42); without, a fresh id still ties the events.
        let traceparent =
            jetcrawl_telemetry::traceparent_of(&Span::current()).unwrap_or_else(new_traceparent);
        let fresh = Job {
            id: target.job_id.to_owned(),
            tenant: caller.tenant.clone(),
            traceparent,
            ..Job::default()
        };
        // occurred_at is when the request arrived, so the projected submit-ACK latency
        // (JetStream's stored time minus occurred_at) covers validation and sealing too.
        let arrived_at =
            chrono::Utc::now() - chrono::Duration::from_std(arrived.elapsed()).unwrap_or_default();
        let budget = self
            .settings
            .submit_budget
            .saturating_sub(arrived.elapsed());
        // A stream electing a leader refuses for a moment: the same events are sent
        // again until the budget runs out; the message id and the expected sequence let
        // at most one be stored.
        let recording = self.store.execute(
            target.job_id,
            Basis::Guess(Box::new(fresh)),
            &caller.actor,
            command,
            arrived_at,
            Retry::UNTIL_DEADLINE,
        );
        match tokio::time::timeout(budget, recording).await {
            Ok(Ok(done)) => Ok(SubmitJobResponse {
                job_id: target.job_id.to_owned(),
                stream_sequence: done.job.submitted_sequence,
                duplicate: done.duplicate,
            }),
            Ok(Err(err)) => existing_or_error(target, err),
            Err(_) => Err(outcome_unknown(
                target,
                &format!(
                    "JetStream did not confirm it within the {} ms submit budget",
                    self.settings.submit_budget.as_millis()
                ),
            )),
        }
    }
}

/// A repeated key is answered from the original job (read by `execute`); anything
/// else says whether the job may have been recorded.
fn existing_or_error(
    target: &Target<'_>,
    err: ExecuteError,
) -> Result<SubmitJobResponse, GatewayError> {
    let job_id = target.job_id;
    match err {
        ExecuteError::Refused {
            job,
            error: DecideError::AlreadySubmitted { .. },
        } => existing(target, &job),
        ExecuteError::Refused { error, .. } => Err(GatewayError::internal_because(
            format!("job {job_id}: a submit was refused: {error}"),
            error,
        )),
        ExecuteError::Store { source, .. } if !source.is_transient() => Err(
            GatewayError::internal_because(format!("job {job_id}: {source}"), source),
        ),
        ExecuteError::Store {
            source,
            outcome: Outcome::Unknown,
            ..
        } => Err(outcome_unknown(target, &source.to_string())),
        ExecuteError::Store { source, .. } => Err(GatewayError::unavailable_because(
            format!("job {job_id} was not recorded: {source}; retry with the same idempotency key"),
            source,
        )),
        ExecuteError::Contended { .. } => Err(GatewayError::unavailable(format!(
            "job {job_id} changed concurrently while recording; retry with the same idempotency key"
        ))),
        ExecuteError::Intent(never) => match never {},
    }
}

/// Answers a repeated key from the original job.
fn existing(target: &Target<'_>, job: &Job) -> Result<SubmitJobResponse, GatewayError> {
    let job_id = target.job_id;
    if job.submitted_sequence == 0 {
        return Err(GatewayError::unavailable(format!(
            "job {job_id} exists but its submission is not readable yet; retry with the same idempotency key"
        )));
    }
    if job.tenant == target.tenant && job.spec_sha256 == target.spec_sha256 {
        return Ok(SubmitJobResponse {
            job_id: job_id.to_owned(),
            stream_sequence: job.submitted_sequence,
            duplicate: true,
        });
    }
    Err(GatewayError::AlreadyExists(format!(
        "idempotency key {:?} was already used for job {job_id} with a different spec; \
         use a new key for a different job, or resend the original spec to get job {job_id} back",
        target.key.unwrap_or_default()
    )))
}

/// A submit whose append was sent but not confirmed: it may be stored (and will then
/// run). Said as such, with the only safe way to find out (DESIGN pitfall 11).
fn outcome_unknown(target: &Target<'_>, why: &str) -> GatewayError {
    let job_id = target.job_id;
    let retry = match target.key {
        Some(_) => "retry with the same idempotency key: it answers with this job if it was \
                    recorded, and records it once otherwise"
            .to_owned(),
        None => format!(
            "this submit had no idempotency key, so a retry would create a second job: \
             GetJob {job_id} tells whether it was recorded; send an idempotency key next time"
        ),
    };
    GatewayError::unavailable(format!(
        "outcome unknown: job {job_id} may or may not have been recorded ({why}); {retry}"
    ))
}

fn record_submit(outcome: Result<(), &GatewayError>, arrived: Instant) {
    let code = match outcome {
        Ok(()) => tonic::Code::Ok,
        Err(err) => err.code(),
    };
    metrics::histogram!(SUBMIT_ACK_SECONDS).record(arrived.elapsed().as_secs_f64());
    metrics::counter!(SUBMITS_TOTAL, "code" => code_name(code)).increment(1);
    match outcome {
        // Debug, not info: at full rate this one line cost 12% of the gateway's CPU
        // (docs/benchmarks.md), and the JobSubmitted event already records every submit.
        Ok(()) => tracing::debug!("job submitted"),
        Err(err) => tracing::info!(code = code_name(code), error = %err, "submit refused"),
    }
}
