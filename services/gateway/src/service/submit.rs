//! SubmitJob: validate, derive the job id, append `JobSubmitted` at expected subject
//! sequence 0, and answer within the submit budget.
//!
//! The expected-sequence check makes idempotency permanent: a repeat after JetStream's
//! duplicate window still fails the append, and is then answered from the job's history.

use std::time::Instant;

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobSubmitted, SubmitJobRequest, SubmitJobResponse};
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::{StoreError, new_event};
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
        let payload = Payload::JobSubmitted(JobSubmitted {
            spec: Some(sealed.spec),
            idempotency_key: key.unwrap_or_default().to_owned(),
            spec_sha256: spec_sha256.clone(),
            subject_ref: sealed.subject_ref,
            domain: valid.spec.domain().to_owned(),
        });
        let mut event = new_event(
            &job_id,
            &caller.tenant,
            &caller.actor,
            &new_traceparent(),
            payload,
        );
        // occurred_at is when the request arrived, so the projected submit-ACK latency
        // (JetStream's stored time minus occurred_at) covers validation and sealing too.
        let arrived_at =
            chrono::Utc::now() - chrono::Duration::from_std(arrived.elapsed()).unwrap_or_default();
        event.occurred_at = Some(super::timestamp(arrived_at));
        let budget = self
            .settings
            .submit_budget
            .saturating_sub(arrived.elapsed());
        match tokio::time::timeout(budget, self.append_submitted(&target, event)).await {
            Ok(answer) => answer,
            Err(_) => Err(outcome_unknown(
                &target,
                &format!(
                    "JetStream did not confirm it within the {} ms submit budget",
                    self.settings.submit_budget.as_millis()
                ),
            )),
        }
    }

    async fn append_submitted(
        &self,
        target: &Target<'_>,
        event: jetcrawl_proto::v1::Event,
    ) -> Result<SubmitJobResponse, GatewayError> {
        // A stream electing a leader refuses for a moment. Sending the same event again
        // is safe whatever happened to the first: the message id and the expected
        // sequence 0 let at most one be stored, and a repeat is answered from history.
        let mut pause = super::seal::RETRY_FIRST;
        let appended = loop {
            match self.store.append(0, std::slice::from_ref(&event)).await {
                Err(StoreError::Unavailable(_)) => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(super::seal::RETRY_MAX);
                }
                other => break other,
            }
        };
        match appended {
            Ok(appended) if !appended.duplicate => Ok(SubmitJobResponse {
                job_id: target.job_id.to_owned(),
                stream_sequence: appended.sequence,
                duplicate: false,
            }),
            // Within the duplicate window JetStream answers a repeat itself; after it, the
            // expected-sequence check refuses it. Either way the history decides.
            Ok(_) | Err(StoreError::Conflict { .. }) => self.existing(target).await,
            Err(err @ StoreError::Corrupt { .. }) => Err(unavailable(target.job_id, &err)),
            Err(err) => Err(outcome_unknown(target, &err.to_string())),
        }
    }

    /// Answers a repeated key from the original job's history.
    async fn existing(&self, target: &Target<'_>) -> Result<SubmitJobResponse, GatewayError> {
        let job_id = target.job_id;
        let job = self
            .store
            .load(job_id)
            .await
            .map_err(|err| unavailable(job_id, &err))?;
        if job.submitted_sequence == 0 {
            return Err(GatewayError::Unavailable(format!(
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
    GatewayError::Unavailable(format!(
        "outcome unknown: job {job_id} may or may not have been recorded ({why}); {retry}"
    ))
}

fn unavailable(job_id: &str, err: &StoreError) -> GatewayError {
    match err {
        StoreError::Corrupt { .. } => GatewayError::Internal(format!("job {job_id}: {err}")),
        _ => GatewayError::Unavailable(format!(
            "could not record job {job_id}: {err}; retry with the same idempotency key"
        )),
    }
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
