//! Every projection the projector runs: its name (checkpoint row, leader lock), the
//! stream and durable consumer it reads, the tables it writes, and its apply function.

use jetcrawl_streams::security::AUDIT_ACTIONS_STREAM;
use jetcrawl_streams::subjects::JOBS_STREAM;
use sqlx::{Postgres, Transaction};

use crate::audit::{AuditSource, apply_audit};
use crate::error::ProjectionError;
use crate::stream_message::StreamMessage;

/// One projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Projection {
    /// `job_events` and `jobs`.
    Jobs,
    /// `job_attempts`.
    JobAttempts,
    /// `dead_letters`.
    DeadLetters,
    /// `tenant_usage_daily` and `tenant_usage_monthly`.
    Usage,
    /// `domain_stats`.
    DomainStats,
    /// `audit_log` rows of the JOBS stream.
    AuditJobs,
    /// `audit_log` rows of the AUDIT_ACTIONS stream.
    AuditActions,
}

impl Projection {
    /// Every projection, in the order the projector starts them.
    pub const ALL: [Projection; 7] = [
        Self::Jobs,
        Self::JobAttempts,
        Self::DeadLetters,
        Self::Usage,
        Self::DomainStats,
        Self::AuditJobs,
        Self::AuditActions,
    ];

    /// The read models `jetcrawl projections rebuild` replays (not the audit log, which
    /// is append-only and never rewritten).
    pub const READ_MODELS: [Projection; 5] = [
        Self::Jobs,
        Self::JobAttempts,
        Self::DeadLetters,
        Self::Usage,
        Self::DomainStats,
    ];

    /// Name of its checkpoint row and leader lock.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jobs => "jobs",
            Self::JobAttempts => "job_attempts",
            Self::DeadLetters => "dead_letters",
            Self::Usage => "usage",
            Self::DomainStats => "domain_stats",
            Self::AuditJobs => "audit_jobs",
            Self::AuditActions => "audit_actions",
        }
    }

    /// The projection named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Its durable consumer (`projector-jobs` for `jobs`, as before projections split).
    pub fn consumer(self) -> String {
        format!("projector-{}", self.name())
    }

    /// The stream it reads.
    pub fn stream(self) -> &'static str {
        match self {
            Self::AuditActions => AUDIT_ACTIONS_STREAM,
            _ => JOBS_STREAM,
        }
    }

    /// The tables it writes (what a rebuild replaces).
    pub fn tables(self) -> &'static [&'static str] {
        match self {
            Self::Jobs => &["job_events", "jobs"],
            Self::JobAttempts => &["job_attempts"],
            Self::DeadLetters => &["dead_letters"],
            Self::Usage => &["tenant_usage_daily", "tenant_usage_monthly"],
            Self::DomainStats => &["domain_stats"],
            Self::AuditJobs | Self::AuditActions => &["audit_log"],
        }
    }

    /// The part of applying `messages` that needs no transaction, done ahead when the
    /// projection has one (the `jobs` projection decodes and builds its `job_events`
    /// payloads); pass it to [`Projection::apply_prepared`] with the same messages.
    pub fn prepare(self, messages: &[StreamMessage]) -> Option<crate::Prepared> {
        match self {
            Self::Jobs => Some(crate::Prepared::of(messages)),
            _ => None,
        }
    }

    /// Like [`Projection::apply`], with what [`Projection::prepare`] made of the same
    /// `messages`.
    pub async fn apply_prepared(
        self,
        tx: &mut Transaction<'_, Postgres>,
        messages: &[StreamMessage],
        prepared: Option<&crate::Prepared>,
    ) -> Result<u64, ProjectionError> {
        match (self, prepared) {
            (Self::Jobs, Some(prepared)) => {
                crate::apply::apply_prepared(tx, self.name(), prepared).await
            }
            _ => self.apply(tx, messages).await,
        }
    }

    /// Applies the messages above its checkpoint in `tx` and returns the new checkpoint.
    pub async fn apply(
        self,
        tx: &mut Transaction<'_, Postgres>,
        messages: &[StreamMessage],
    ) -> Result<u64, ProjectionError> {
        let name = self.name();
        match self {
            Self::Jobs => crate::apply::apply_stream_messages(tx, name, messages).await,
            Self::JobAttempts => crate::job_attempts::apply_job_attempts(tx, name, messages).await,
            Self::DeadLetters => crate::dead_letters::apply_dead_letters(tx, name, messages).await,
            Self::Usage => crate::usage::apply_usage(tx, name, messages).await,
            Self::DomainStats => crate::domain_stats::apply_domain_stats(tx, name, messages).await,
            Self::AuditJobs => apply_audit(tx, name, AuditSource::Jobs, messages).await,
            Self::AuditActions => apply_audit(tx, name, AuditSource::AuditActions, messages).await,
        }
    }
}
