//! A page of a cancelled crawl never starts. The `crawls` consumer cancels a crawl's
//! pages once it reads the crawl's cancel request, but it may be behind (each page that
//! ends can queue and submit dozens more), and a worker meanwhile takes the next page.
//! So a worker about to begin a page job first looks whether its crawl was asked to
//! cancel, and if so cancels the page instead of fetching it.

use chrono::Utc;
use jetcrawl_streams::{Basis, Command, ExecuteError, Retry};

use super::keys::page_id_crawl;
use super::{Frontier, FrontierError};

/// The reason a page of a cancelled crawl records.
pub(crate) const CRAWL_CANCELLED: &str = "the crawl was cancelled";

impl Frontier {
    /// Cancels page job `job_id` when its crawl has a cancel request; true when it did
    /// (or the page had ended already, or runs on another worker, which stops it), and
    /// the delivery has nothing left to run.
    /// False for a job that is not a crawl's page, or whose crawl goes on.
    pub async fn cancel_if_crawl_cancelled(&self, job_id: &str) -> Result<bool, FrontierError> {
        let Some(crawl_id) = page_id_crawl(job_id) else {
            return Ok(false);
        };
        if !self.store.cancel_requested(crawl_id).await? {
            return Ok(false);
        }
        self.request_page_cancel(job_id).await?;
        Ok(true)
    }

    /// Asks page job `page_id` to cancel, as its crawl was: a queued page ends at once, a
    /// running one at its next step boundary, and one that ended already (or was never
    /// submitted) is left as it is.
    pub(super) async fn request_page_cancel(&self, page_id: &str) -> Result<(), FrontierError> {
        let command = Command::RequestCancel {
            reason: CRAWL_CANCELLED.to_owned(),
            by: self.actor.clone(),
        };
        let executed = self
            .store
            .execute(
                page_id,
                Basis::Load,
                &self.actor,
                command,
                Utc::now(),
                Retry::CONFLICTS_ONLY,
            )
            .await;
        match executed {
            Ok(_) | Err(ExecuteError::Refused { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}
