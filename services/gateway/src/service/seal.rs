//! The gateway's side of crypto-shredding (ADR 0023): personal fields are sealed under
//! the data subject's key before `JobSubmitted` is built, and opened in one place,
//! [`Gateway::reveal`], for everything the gateway answers with.

use std::time::Instant;

use jetcrawl_privacy::{Opened, PrivacyError, Subject, SubjectKeys, seal_spec};
use jetcrawl_proto::v1::JobSpec;
use jetcrawl_streams::{Job, Retry};

use super::Gateway;
use crate::error::GatewayError;
use crate::validate::{ValidSpec, canonical_bytes};

/// The key store, and whether submits are sealed.
#[derive(Clone, Debug)]
pub struct PrivacyAccess {
    /// The `SUBJECT_KEYS` bucket.
    pub keys: SubjectKeys,
    /// Seal personal fields at submit. Off only with `JETCRAWL_DEV_UNSEALED_SUBMITS`,
    /// to measure what sealing costs.
    pub seal: bool,
}

/// A spec ready for `JobSubmitted`.
pub(crate) struct SealedSubmission {
    pub spec: JobSpec,
    pub spec_sha256: String,
    pub subject_ref: String,
}

impl Gateway {
    /// Seals the personal fields of `valid` for job `job_id` of `tenant`, within what is
    /// left of the submit budget.
    pub(crate) async fn seal_submission(
        &self,
        tenant: &str,
        job_id: &str,
        valid: &ValidSpec,
        arrived: Instant,
    ) -> Result<SealedSubmission, GatewayError> {
        let Some(privacy) = self.privacy.as_ref().filter(|p| p.seal) else {
            return Ok(SealedSubmission {
                spec: valid.spec().clone(),
                spec_sha256: valid.sha256(),
                subject_ref: String::new(),
            });
        };
        let budget = self
            .settings
            .submit_budget
            .saturating_sub(arrived.elapsed());
        let sealing = async {
            let subject = Subject::of_job(&valid.spec().data_subject, job_id);
            let reference = privacy.keys.reference(tenant, &subject).await?;
            // A job that is its own subject has a fresh reference: create, don't look.
            // A bucket electing a leader (a cluster node lost) refuses for a moment:
            // nothing was written, so trying again within the budget is safe.
            let fresh = valid.spec().data_subject.is_empty();
            let key = Retry::UNTIL_DEADLINE
                .transient(
                    || async {
                        match fresh {
                            true => privacy.keys.create_or_get(tenant, &reference).await,
                            false => privacy.keys.get_or_create(tenant, &reference).await,
                        }
                    },
                    |err| matches!(err, PrivacyError::Unavailable(_)),
                )
                .await?;
            Ok::<_, PrivacyError>(SealedSubmission {
                spec: seal_spec(valid.spec(), &key, tenant, &reference)?,
                spec_sha256: key.digest(&canonical_bytes(valid.spec())),
                subject_ref: reference.to_string(),
            })
        };
        match tokio::time::timeout(budget, sealing).await {
            Ok(sealed) => sealed.map_err(|err| privacy_error(job_id, err)),
            Err(_) => Err(GatewayError::unavailable(format!(
                "job {job_id} was not recorded: the subject key store did not answer within the \
                 submit budget; retry with the same idempotency key"
            ))),
        }
    }

    /// The job with its spec opened: personal fields in clear, or `[erased]` once its
    /// subject was erased. The one place the gateway decrypts.
    pub(crate) async fn reveal(&self, mut job: Job) -> Result<Job, GatewayError> {
        let (Some(privacy), Some(spec)) = (self.privacy.as_ref(), job.spec.as_ref()) else {
            return Ok(job);
        };
        let Opened { spec, .. } = privacy
            .keys
            .open_spec(&job.tenant, spec)
            .await
            .map_err(|err| privacy_error(&job.id, err))?;
        job.spec = Some(spec);
        Ok(job)
    }
}

fn privacy_error(job_id: &str, err: PrivacyError) -> GatewayError {
    match err {
        PrivacyError::Unavailable(_) | PrivacyError::KeyMissing { .. } => {
            GatewayError::unavailable_because(format!("job {job_id}: {err}"), err)
        }
        PrivacyError::Corrupt(_) => {
            GatewayError::internal_because(format!("job {job_id}: {err}"), err)
        }
    }
}
