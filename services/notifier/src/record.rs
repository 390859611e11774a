//! Recording the notifier's facts on a job (webhook outcomes, result expiry) through the
//! job's one write path: `execute` decides the command on the job's history, so a fact
//! already recorded (an append that landed although its answer was lost) is not
//! recorded twice, and a concurrent change is read and decided again.

use chrono::Utc;
use jetcrawl_streams::{Basis, Command, EventStore, ExecuteError, Retry, StoreError};
use thiserror::Error;

/// Actor recorded on the notifier's events.
pub const ACTOR: &str = "system:notifier";

/// Why a notification or a purge step did not settle; the message is tried again.
#[derive(Debug, Error)]
pub enum NotifyError {
    /// Reading the job or a dependency failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Recording the outcome on the job failed.
    #[error(transparent)]
    Record(#[from] ExecuteError),
    /// The result store failed (listing or deleting expired results).
    #[error("result store: {0}")]
    Results(#[from] jetcrawl_results::ResultStoreError),
    /// The tenant's webhook secret could not be read or created.
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
    /// The disabled-endpoints bucket did not answer.
    #[error("disabled endpoints: {0}")]
    Disabled(String),
    /// The job's sealed webhook URL could not be opened.
    #[error("opening the webhook URL: {0}")]
    Privacy(#[from] jetcrawl_privacy::PrivacyError),
    /// The payload could not be encoded: a bug, not worth retrying.
    #[error("cannot encode the webhook payload: {0}")]
    Encode(#[from] serde_json::Error),
}

impl NotifyError {
    /// True when handling the message again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Store(err) => err.is_transient(),
            Self::Record(err) => err.is_transient(),
            Self::Privacy(err) => !matches!(err, jetcrawl_privacy::PrivacyError::Corrupt(_)),
            Self::Encode(_) => false,
            Self::Results(_) | Self::Secrets(_) | Self::Disabled(_) => true,
        }
    }
}

/// Records `command` on job `job_id` (its events end up in the job's history, or are
/// there already).
pub async fn record(
    store: &EventStore,
    job_id: &str,
    command: Command,
) -> Result<(), ExecuteError> {
    store
        .execute(
            job_id,
            Basis::Load,
            ACTOR,
            command,
            Utc::now(),
            Retry::CONFLICTS_ONLY,
        )
        .await?;
    Ok(())
}
