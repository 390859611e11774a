//! ExportSubjectData (right of access) and EraseSubject (right to erasure), ADR 0024.
//!
//! A subject is named by its client-supplied `data_subject` id, or by the id of a job
//! submitted without one. Erasure purges the subject's key (crypto-shredding), deletes
//! its jobs' results, shows its fields as `[erased]` in the read models and records
//! `SubjectErased`; an export decrypts everything held and records `SubjectDataExported`.

use chrono::Utc;
use jetcrawl_privacy::{PrivacyError, Subject, SubjectKeys, SubjectRef};
use jetcrawl_proto::v1::{
    DataSubjectRequest, EraseSubjectRequest, EraseSubjectResponse, ExportSubjectDataRequest,
    ExportSubjectDataResponse, SubjectErased,
};
use jetcrawl_streams::StoreError;
use jetcrawl_streams::audit::{Action, append_action, new_action};
use jetcrawl_streams::envelope::new_traceparent;
use tracing::info;

use super::get::check_job_id;
use super::subject_rows::{jobs_of_subject, mark_erased};
use super::{Caller, Gateway, subject_request};
use crate::error::GatewayError;

/// A resolved request: whose data, in which tenant.
pub(crate) struct Target {
    pub tenant: String,
    pub subject: Subject,
    pub reference: SubjectRef,
    /// The data subject's request being answered, when the caller gave it.
    pub request: Option<DataSubjectRequest>,
}

impl Gateway {
    /// A machine-readable export of everything held about a data subject.
    #[tracing::instrument(name = "export_subject_data", skip_all, fields(tenant = %caller.tenant))]
    pub async fn export_subject_data(
        &self,
        caller: &Caller,
        request: ExportSubjectDataRequest,
    ) -> Result<ExportSubjectDataResponse, GatewayError> {
        let tenant = non_empty(&request.tenant)
            .unwrap_or(&caller.tenant)
            .to_owned();
        caller.require_tenant("tenant", &tenant)?;
        let answering = subject_request::checked(request.request, Utc::now())?;
        let mut target = self
            .resolve(tenant, &request.data_subject, &request.job_id)
            .await?;
        target.request = answering;
        self.export(caller, &target).await
    }

    /// Erases a data subject: purges its key, deletes its results, records it.
    #[tracing::instrument(name = "erase_subject", skip_all, fields(tenant = %caller.tenant))]
    pub async fn erase_subject(
        &self,
        caller: &Caller,
        request: EraseSubjectRequest,
    ) -> Result<EraseSubjectResponse, GatewayError> {
        let tenant = non_empty(&request.tenant)
            .unwrap_or(&caller.tenant)
            .to_owned();
        if tenant != caller.tenant {
            return Err(GatewayError::PermissionDenied(format!(
                "tenant: an admin erases subjects of its own tenant ({}), not of {tenant}; use an admin key of {tenant}",
                caller.tenant
            )));
        }
        let answering = subject_request::checked(request.request, Utc::now())?;
        let target = self
            .resolve(tenant, &request.data_subject, &request.job_id)
            .await?;
        let mut jobs = jobs_of_subject(&self.pool, &target.tenant, &target.reference).await?;
        if let Subject::Job(job_id) = &target.subject
            && !jobs.contains(job_id)
        {
            jobs.push(job_id.clone());
        }
        let keys = self.subject_keys()?;
        let key_existed = keys
            .erase(&target.tenant, &target.reference)
            .await
            .map_err(unavailable)?;
        let objects_deleted = self.delete_results(&jobs).await?;
        mark_erased(&self.pool, &target.tenant, &target.reference, &jobs).await?;
        let record = SubjectErased {
            subject_ref: target.reference.to_string(),
            subject_kind: target.subject.kind().to_owned(),
            job_ids: jobs.clone(),
            objects_deleted,
            key_existed,
            reason: request.reason,
            request: answering,
        };
        let action = new_action(
            &target.tenant,
            &caller.actor,
            &new_traceparent(),
            Action::SubjectErased(record),
        );
        let sequence = append_action(self.store.context(), &action, None)
            .await
            .map_err(|err| {
                audit_failed(
                    format!(
                        "the subject was erased but {err}; run EraseSubject again to record it (it is idempotent)"
                    ),
                    err,
                )
            })?;
        info!(subject_ref = %target.reference, jobs = jobs.len(), objects_deleted, key_existed, "data subject erased");
        Ok(EraseSubjectResponse {
            subject_ref: target.reference.to_string(),
            job_ids: jobs,
            objects_deleted,
            key_existed,
            audit_sequence: sequence,
        })
    }

    /// Checks the request's subject and computes its reference.
    async fn resolve(
        &self,
        tenant: String,
        data_subject: &str,
        job_id: &str,
    ) -> Result<Target, GatewayError> {
        let subject = match (non_empty(data_subject), non_empty(job_id)) {
            (Some(id), None) => {
                if id.chars().count() > 256 {
                    return Err(GatewayError::invalid(
                        "data_subject",
                        "longer than 256 characters; no job can name such a subject",
                    ));
                }
                Subject::Data(id.to_owned())
            }
            (None, Some(job_id)) => {
                check_job_id(job_id)?;
                Subject::Job(job_id.to_owned())
            }
            _ => {
                return Err(GatewayError::invalid(
                    "data_subject",
                    "give exactly one of data_subject (the id the jobs named) or job_id (a job submitted without one)",
                ));
            }
        };
        let reference = self
            .subject_keys()?
            .reference(&tenant, &subject)
            .await
            .map_err(unavailable)?;
        if let Subject::Job(job_id) = &subject {
            self.check_own_subject(&tenant, job_id, &reference).await?;
        }
        Ok(Target {
            tenant,
            subject,
            reference,
            request: None,
        })
    }

    /// A job named by id must be of `tenant` and be its own subject: a job that named a
    /// `data_subject` shares its key with that subject's other jobs.
    async fn check_own_subject(
        &self,
        tenant: &str,
        job_id: &str,
        reference: &SubjectRef,
    ) -> Result<(), GatewayError> {
        let job = self
            .store
            .load(job_id)
            .await
            .map_err(|err| super::get::read_error(job_id, err))?;
        if job.tenant != tenant || job.submitted_sequence == 0 {
            return Err(super::get::not_found(job_id));
        }
        let sealed = job
            .spec
            .as_ref()
            .and_then(jetcrawl_privacy::sealed_subject_ref);
        match sealed {
            Some(found) if &found != reference => Err(GatewayError::FailedPrecondition(format!(
                "job {job_id} was submitted with a data_subject; its data belongs to that subject: \
                 name the subject with data_subject instead of job_id"
            ))),
            _ => Ok(()),
        }
    }

    pub(crate) fn subject_keys(&self) -> Result<&SubjectKeys, GatewayError> {
        self.privacy.as_ref().map(|p| &p.keys).ok_or_else(|| {
            GatewayError::unavailable("the subject key store is not configured on this gateway")
        })
    }

    /// Deletes every stored object of `jobs`; returns how many were removed.
    async fn delete_results(&self, jobs: &[String]) -> Result<u32, GatewayError> {
        let Some(results) = &self.results else {
            return Ok(0);
        };
        let store_error = |err: jetcrawl_results::ResultStoreError| {
            GatewayError::unavailable_because(format!("{err}; run EraseSubject again"), err)
        };
        let objects = results.store.list().await.map_err(store_error)?;
        let mut deleted = 0;
        for object in objects {
            let owner = jetcrawl_results::artifacts::job_of(&object.key);
            if owner.is_some_and(|job| jobs.iter().any(|j| j == job))
                && results
                    .store
                    .delete(&object.key)
                    .await
                    .map_err(store_error)?
            {
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

pub(crate) fn unavailable(err: PrivacyError) -> GatewayError {
    match err {
        PrivacyError::Unavailable(_) | PrivacyError::KeyMissing { .. } => {
            GatewayError::unavailable_because(err.to_string(), err)
        }
        PrivacyError::Corrupt(_) => GatewayError::internal_because(err.to_string(), err),
    }
}

/// An audit action that could not be recorded: `message` says what happened and what to
/// do; a malformed action is our bug, never "retry later".
pub(crate) fn audit_failed(message: String, err: StoreError) -> GatewayError {
    if err.is_transient() {
        GatewayError::unavailable_because(message, err)
    } else {
        GatewayError::internal_because(message, err)
    }
}

fn non_empty(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}
