//! The notifier's one decryption point: the webhook URL of a job, opened from its sealed
//! spec (ADR 0023).

use jetcrawl_privacy::ERASED;
use jetcrawl_streams::Job;
use tracing::info;

use crate::handle::Notifier;
use crate::record::NotifyError;

impl Notifier {
    /// The job's webhook URL in clear; empty when it has none, or when its data subject
    /// was erased (there is no one left to notify).
    pub(crate) async fn webhook_url(&self, job: &Job) -> Result<String, NotifyError> {
        let Some(spec) = job.spec.as_ref().filter(|s| !s.webhook_url.is_empty()) else {
            return Ok(String::new());
        };
        let Some(privacy) = &self.privacy else {
            return Ok(spec.webhook_url.clone());
        };
        let opened = privacy.open_spec(&job.tenant, spec).await?;
        if opened.spec.webhook_url == ERASED {
            info!("the job's data subject was erased; its webhook is not delivered");
            return Ok(String::new());
        }
        Ok(opened.spec.webhook_url)
    }
}
