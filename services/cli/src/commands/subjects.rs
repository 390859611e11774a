//! `jetcrawl subjects export|erase`: the RGPD rights of access and erasure of a data
//! subject, through the gateway's Audit service (export: auditor or admin key; erase:
//! admin key). A subject is the `data_subject` id its jobs named, or `--job` for a job
//! submitted without one.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jetcrawl_proto::v1::audit_client::AuditClient;
use jetcrawl_proto::v1::{DataSubjectRequest, EraseSubjectRequest, ExportSubjectDataRequest};
use serde_json::json;

use super::{Bearer, channel, status_error};
use crate::args::{Global, Output};

/// `jetcrawl subjects …`.
#[derive(Debug, Subcommand)]
pub enum SubjectsCommand {
    /// Export everything held about a subject as JSON (right of access).
    Export(ExportArgs),
    /// Erase a subject: its key is destroyed, its fields read `[erased]` everywhere and
    /// its results are deleted (right to erasure). Cannot be undone.
    Erase(EraseArgs),
}

/// Who the subject is.
#[derive(Debug, Args)]
pub struct SubjectArg {
    /// The `data_subject` id the jobs were submitted with.
    #[arg(required_unless_present = "job", conflicts_with = "job")]
    pub data_subject: Option<String>,
    /// Instead: the id of a job submitted without a data_subject (its own subject).
    #[arg(long)]
    pub job: Option<String>,
    /// The subject's tenant; the key's own by default.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Your reference of the data subject's request (ticket, letter number): recorded
    /// with the action, and listed in the monthly report against the one-month deadline.
    #[arg(long)]
    pub reference: Option<String>,
    /// When the request was received: a date (2026-11-02) or an RFC 3339 time; now when
    /// only --reference is given.
    #[arg(long, value_parser = crate::args::instant)]
    pub received: Option<chrono::DateTime<chrono::Utc>>,
}

impl SubjectArg {
    /// The request being answered, when --reference or --received says so.
    fn request(&self) -> Option<DataSubjectRequest> {
        (self.reference.is_some() || self.received.is_some()).then(|| DataSubjectRequest {
            reference: self.reference.clone().unwrap_or_default(),
            received_at: self.received.map(|t| prost_types::Timestamp {
                seconds: t.timestamp(),
                nanos: 0,
            }),
        })
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub subject: SubjectArg,
    /// Write the export to this file instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EraseArgs {
    #[command(flatten)]
    pub subject: SubjectArg,
    /// Why, recorded in the SubjectErased audit event.
    #[arg(long, default_value = "")]
    pub reason: String,
}

pub async fn run(global: &Global, command: SubjectsCommand) -> anyhow::Result<()> {
    let mut audit = AuditClient::with_interceptor(
        channel(global).await?,
        Bearer::new(global.api_key.as_deref())?,
    );
    match command {
        SubjectsCommand::Export(args) => {
            let subject = args.subject;
            let done = audit
                .export_subject_data(ExportSubjectDataRequest {
                    request: subject.request(),
                    tenant: subject.tenant.unwrap_or_default(),
                    data_subject: subject.data_subject.unwrap_or_default(),
                    job_id: subject.job.unwrap_or_default(),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            match &args.out {
                Some(path) => {
                    std::fs::write(path, &done.json)
                        .with_context(|| format!("writing the export to {}", path.display()))?;
                    eprintln!(
                        "{} job(s) exported to {} (sha256 {})",
                        done.job_count,
                        path.display(),
                        done.sha256
                    );
                }
                None => outln!("{}", String::from_utf8_lossy(&done.json)),
            }
        }
        SubjectsCommand::Erase(args) => {
            let subject = args.subject;
            let done = audit
                .erase_subject(EraseSubjectRequest {
                    request: subject.request(),
                    tenant: subject.tenant.unwrap_or_default(),
                    data_subject: subject.data_subject.unwrap_or_default(),
                    job_id: subject.job.unwrap_or_default(),
                    reason: args.reason,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            match global.output {
                Output::Json => outln!(
                    "{}",
                    json!({
                        "subject_ref": done.subject_ref,
                        "job_ids": done.job_ids,
                        "objects_deleted": done.objects_deleted,
                        "key_existed": done.key_existed,
                        "audit_sequence": done.audit_sequence,
                    })
                ),
                Output::Text => outln!(
                    "subject {} erased: {} job(s) now read [erased], {} result object(s) deleted{}",
                    done.subject_ref,
                    done.job_ids.len(),
                    done.objects_deleted,
                    if done.key_existed {
                        ""
                    } else {
                        " (it had no key any more)"
                    }
                ),
            }
        }
    }
    Ok(())
}
