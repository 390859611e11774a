//! The access export (format `jetcrawl.subject-export.v1`): every job a subject's key
//! sealed, with its spec and every event decrypted, and its stored results.

use std::collections::BTreeSet;

use chrono::Utc;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{ExportSubjectDataResponse, JobSpec, SubjectDataExported};
use jetcrawl_streams::RecordedEvent;
use jetcrawl_streams::audit::{Action, append_action, new_action};
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::job::fold;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::privacy::{Target, audit_failed, unavailable};
use super::subject_rows::jobs_of_subject;
use super::{Caller, Gateway};
use crate::error::GatewayError;

/// Name and version of the export format.
pub const EXPORT_FORMAT: &str = "jetcrawl.subject-export.v1";

impl Gateway {
    /// Builds the export of `target`, records `SubjectDataExported`, and returns both.
    pub(crate) async fn export(
        &self,
        caller: &Caller,
        target: &Target,
    ) -> Result<ExportSubjectDataResponse, GatewayError> {
        let mut job_ids = jobs_of_subject(&self.pool, &target.tenant, &target.reference).await?;
        if let jetcrawl_privacy::Subject::Job(job_id) = &target.subject
            && !job_ids.contains(job_id)
        {
            job_ids.push(job_id.clone());
        }
        let stored = self.stored_keys().await?;
        let key_held = self
            .subject_keys()?
            .get(&target.tenant, &target.reference)
            .await
            .map_err(unavailable)?
            .is_some();
        let (mut jobs, mut event_count) = (Vec::new(), 0u32);
        for job_id in &job_ids {
            let history = self
                .store
                .history(job_id)
                .await
                .map_err(|err| super::get::read_error(job_id, err))?;
            // Only the tenant's own jobs: a foreign id can never leak into an export.
            if history.iter().any(|e| e.event.tenant != target.tenant) || history.is_empty() {
                continue;
            }
            event_count += u32::try_from(history.len()).unwrap_or(u32::MAX);
            jobs.push(
                self.job_document(&target.tenant, job_id, &history, &stored)
                    .await?,
            );
        }
        let exported: Vec<String> = jobs
            .iter()
            .filter_map(|j| j["job_id"].as_str().map(str::to_owned))
            .collect();
        let document = json!({
            "format": EXPORT_FORMAT,
            "generated_at": Utc::now().to_rfc3339(),
            "tenant": target.tenant,
            "subject": subject_json(target, key_held),
            "jobs": jobs,
        });
        let bytes = serde_json::to_vec_pretty(&document).map_err(|err| {
            GatewayError::internal_because(format!("encoding the export: {err}"), err)
        })?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let record = SubjectDataExported {
            subject_ref: target.reference.to_string(),
            subject_kind: target.subject.kind().to_owned(),
            job_ids: exported.clone(),
            event_count,
            export_sha256: sha256.clone(),
            request: target.request.clone(),
        };
        let action = new_action(
            &target.tenant,
            &caller.actor,
            &new_traceparent(),
            Action::SubjectDataExported(record),
        );
        let audit_sequence = append_action(self.store.context(), &action, None)
            .await
            .map_err(|err| audit_failed(err.to_string(), err))?;
        Ok(ExportSubjectDataResponse {
            json: bytes,
            subject_ref: target.reference.to_string(),
            job_count: u32::try_from(exported.len()).unwrap_or(u32::MAX),
            sha256,
            audit_sequence,
        })
    }

    async fn job_document(
        &self,
        tenant: &str,
        job_id: &str,
        history: &[RecordedEvent],
        stored: &BTreeSet<String>,
    ) -> Result<Value, GatewayError> {
        let job = fold(history);
        let spec = match job.spec.as_ref() {
            Some(spec) => Some(
                self.subject_keys()?
                    .open_spec(tenant, spec)
                    .await
                    .map_err(unavailable)?
                    .spec,
            ),
            None => None,
        };
        let events: Vec<Value> = history
            .iter()
            .map(|e| event_json(e, spec.as_ref()))
            .collect();
        Ok(json!({
            "job_id": job_id,
            "state": job.status.as_str(),
            "submitted_at": job.submitted_at.map(|t| t.to_rfc3339()),
            "updated_at": job.updated_at.map(|t| t.to_rfc3339()),
            "spec": spec.as_ref().map(spec_json),
            "events": events,
            "results": results_json(history, stored),
        }))
    }

    /// Keys of every object in the result store.
    async fn stored_keys(&self) -> Result<BTreeSet<String>, GatewayError> {
        let Some(results) = &self.results else {
            return Ok(BTreeSet::new());
        };
        let objects = results.store.list().await.map_err(|err| {
            GatewayError::unavailable_because(format!("{err}; retry shortly"), err)
        })?;
        Ok(objects.into_iter().map(|o| o.key).collect())
    }
}

fn subject_json(target: &Target, key_held: bool) -> Value {
    let (kind, id) = match &target.subject {
        jetcrawl_privacy::Subject::Data(id) => ("data_subject", id),
        jetcrawl_privacy::Subject::Job(id) => ("job", id),
    };
    json!({"kind": kind, "id": id, "subject_ref": target.reference.as_str(), "key_held": key_held})
}

fn spec_json(spec: &JobSpec) -> Value {
    let submitted = jetcrawl_proto::v1::JobSubmitted {
        spec: Some(spec.clone()),
        ..Default::default()
    };
    jetcrawl_projections::payload_json(Some(&Payload::JobSubmitted(submitted)))["spec"].take()
}

/// One event as JSON; a JobSubmitted shows the opened spec instead of the sealed one.
fn event_json(recorded: &RecordedEvent, opened: Option<&JobSpec>) -> Value {
    let mut payload = recorded.event.payload.clone();
    if let Some(Payload::JobSubmitted(submitted)) = payload.as_mut() {
        submitted.spec = opened.cloned();
    }
    json!({
        "sequence": recorded.sequence,
        "type": recorded.event.event_type,
        "occurred_at": recorded.occurred_at().to_rfc3339(),
        "actor": recorded.event.actor,
        "payload": jetcrawl_projections::payload_json(payload.as_ref()),
    })
}

fn results_json(history: &[RecordedEvent], stored: &BTreeSet<String>) -> Vec<Value> {
    let mut out = Vec::new();
    for event in history {
        if let Some(Payload::JobSucceeded(done)) = event.payload() {
            out.push(json!({"key": done.result_key, "size": done.result_size,
                "sha256": done.result_sha256, "stored": stored.contains(&done.result_key)}));
            for artifact in &done.artifacts {
                out.push(json!({"key": artifact.key, "size": artifact.size,
                    "sha256": artifact.sha256, "stored": stored.contains(&artifact.key)}));
            }
        }
    }
    out
}
