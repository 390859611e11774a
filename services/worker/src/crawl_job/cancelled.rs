//! A page of a cancelled crawl never starts. The `crawls` consumer cancels a crawl's
//! pages once it reads the crawl's cancel request, but it may be behind (each page that
//! ends can queue and submit dozens more), and a worker meanwhile takes the next page.
//! So a worker about to begin a page job first looks whether its crawl was asked to
//! cancel, and if so cancels the page instead of fetching it.

use chrono::Utc;
use jetcrawl_streams::{Basis, Command, ExecuteError, Retry};

use super::keys::page_id_crawl;
use super::{Frontier, FrontierError};

impl Frontier {
    /// Cancels page job `job_id` when its crawl has a cancel request; true when it did
    /// (or the page had ended already), and the delivery has nothing left to run.
    /// False for a job that is not a crawl's page, or whose crawl goes on.
    pub async fn cancel_if_crawl_cancelled(&self, job_id: &str) -> Result<bool, FrontierError> {
        let Some(crawl_id) = page_id_crawl(job_id) else {
            return Ok(false);
        };
        if !self.store.cancel_requested(crawl_id).await? {
            return Ok(false);
        }
        let command = Command::RequestCancel {
            reason: "the crawl was cancelled".to_owned(),
            by: self.actor.clone(),
        };
        let executed = self
            .store
            .execute(
                job_id,
                Basis::Load,
                &self.actor,
                command,
                Utc::now(),
                Retry::CONFLICTS_ONLY,
            )
            .await;
        match executed {
            // A queued page ends at once; a running one (another worker's) at its next
            // step boundary; one that ended already stays as it is.
            Ok(_) | Err(ExecuteError::Refused { .. }) => Ok(true),
            Err(err) => Err(err.into()),
        }
    }
}
