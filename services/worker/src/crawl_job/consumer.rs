//! The `crawls` consumer (ADR 0047), shared by the workers: a page job's terminal event
//! is recorded on its crawl (which ends once its frontier is empty), and a crawl's
//! cancel request cancels its pages. Every other message is acked at once.

use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use jetcrawl_proto::v1::CrawlPageFinished;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::job::ROBOTS_DISALLOWED_CLASS;
use jetcrawl_streams::subjects::job_id_of;
use jetcrawl_streams::{Command, DecideError, ExecuteError, Job};
use tracing::{info, warn};

use super::keys::page_id_crawl;
use super::{Frontier, FrontierError};
use crate::handler::acknowledge;
use crate::hold::Heartbeat;

/// Delay before a message whose write failed is tried again.
const RETRY_DELAY: Duration = Duration::from_secs(2);

impl Frontier {
    /// Handles one message of the `crawls` consumer, acking or NAKing it.
    pub async fn handle(&self, message: Message, ack_wait: Duration) {
        let mut beat = Heartbeat::start(&message, ack_wait);
        let handled = self.handle_message(&message).await;
        beat.stop();
        match handled {
            Ok(()) => acknowledge(&message, AckKind::Ack).await,
            Err(err) => {
                warn!(subject = %message.subject, error = %err, "crawl frontier message not handled; it will be redelivered");
                acknowledge(&message, AckKind::Nak(Some(RETRY_DELAY))).await;
            }
        }
    }

    async fn handle_message(&self, message: &Message) -> Result<(), FrontierError> {
        let Some(job_id) = job_id_of(&message.subject) else {
            return Ok(());
        };
        let sequence = message.info().map(|i| i.stream_sequence).unwrap_or(0);
        let Ok(event) = decode(sequence, &message.payload) else {
            return Ok(());
        };
        match (page_id_crawl(job_id), event.payload()) {
            (Some(crawl_id), Some(payload)) => match finished(job_id, payload) {
                Some(finished) => self.finish_page(crawl_id, finished).await,
                None => Ok(()),
            },
            (None, Some(Payload::JobCancelRequested(_))) => self.cancel_pages(job_id).await,
            _ => Ok(()),
        }
    }

    /// Records a page job's end on its crawl; submits the pages it queued that a crash
    /// left unsubmitted (or, once the crawl is being cancelled, records them as
    /// cancelled); ends the crawl when its frontier is empty.
    async fn finish_page(
        &self,
        crawl_id: &str,
        finished: CrawlPageFinished,
    ) -> Result<(), FrontierError> {
        let page_id = finished.page_job_id.clone();
        let crawl = match self.write(crawl_id, Command::FinishPage(finished)).await {
            Ok(done) => done.job,
            Err(ExecuteError::Refused {
                error: DecideError::Terminal { .. } | DecideError::NotFound,
                ..
            }) => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        let crawl = match crawl.cancel_requested {
            Some(_) => self.cancel_unsubmitted(crawl, Some(&page_id)).await?,
            None => {
                self.submit_queued_from(&crawl, &page_id, true).await?;
                crawl
            }
        };
        self.end_if_done(&crawl).await
    }

    /// Records as cancelled the pages of a cancelled crawl (those `from_page` queued, or
    /// all) whose page job was never submitted: they will never end by themselves.
    async fn cancel_unsubmitted(
        &self,
        mut crawl: Job,
        from_page: Option<&str>,
    ) -> Result<Job, FrontierError> {
        let Some(frontier) = crawl.crawl.as_ref() else {
            return Ok(crawl);
        };
        let pending: Vec<String> = frontier
            .order
            .iter()
            .filter(|id| !frontier.finished.contains_key(*id))
            .filter(|id| {
                from_page
                    .is_none_or(|from| frontier.queued.get(*id).is_some_and(|q| q.from == from))
            })
            .cloned()
            .collect();
        for page_id in pending {
            if self.store.last_sequence(&page_id).await? > 0 {
                continue;
            }
            let never_ran = CrawlPageFinished {
                page_job_id: page_id,
                outcome: "cancelled".to_owned(),
                error_class: String::new(),
            };
            match self.write(&crawl.id, Command::FinishPage(never_ran)).await {
                Ok(done) => crawl = done.job,
                Err(ExecuteError::Refused { .. }) => return Ok(crawl),
                Err(err) => return Err(err.into()),
            }
        }
        Ok(crawl)
    }

    /// Asks every page of crawl `crawl_id` that has not ended to cancel; queued ones end
    /// at once, running ones at their next step boundary.
    async fn cancel_pages(&self, crawl_id: &str) -> Result<(), FrontierError> {
        let crawl = self.store.load(crawl_id).await?;
        let Some(frontier) = crawl.crawl.as_ref() else {
            return Ok(());
        };
        let pending: Vec<&String> = frontier
            .order
            .iter()
            .filter(|id| !frontier.finished.contains_key(*id))
            .collect();
        info!(
            crawl_id,
            pages = pending.len(),
            "cancelling the crawl's pages"
        );
        for page_id in pending {
            // Never submitted (NotFound): recorded as cancelled below.
            self.request_page_cancel(page_id).await?;
        }
        let crawl = self.cancel_unsubmitted(crawl, None).await?;
        self.end_if_done(&crawl).await
    }
}

/// The page's end, from its terminal event.
fn finished(page_id: &str, payload: &Payload) -> Option<CrawlPageFinished> {
    let (outcome, error_class) = match payload {
        Payload::JobSucceeded(_) => ("succeeded", String::new()),
        Payload::JobFailed(failed) if failed.error_class == ROBOTS_DISALLOWED_CLASS => {
            ("robots_disallowed", failed.error_class.clone())
        }
        Payload::JobFailed(failed) => ("failed", failed.error_class.clone()),
        Payload::JobCancelled(_) => ("cancelled", String::new()),
        _ => return None,
    };
    Some(CrawlPageFinished {
        page_job_id: page_id.to_owned(),
        outcome: outcome.to_owned(),
        error_class,
    })
}
