//! The `crawls` consumer (ADR 0047), shared by the workers: a page job's terminal event
//! is recorded on its crawl (which ends once its frontier is empty), and a crawl's
//! cancel request cancels its pages. Every other message is acked at once.

use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use chrono::Utc;
use jetcrawl_proto::v1::CrawlPageFinished;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::job::ROBOTS_DISALLOWED_CLASS;
use jetcrawl_streams::subjects::job_id_of;
use jetcrawl_streams::{Basis, Command, DecideError, ExecuteError, Retry};
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

    async fn finish_page(
        &self,
        crawl_id: &str,
        finished: CrawlPageFinished,
    ) -> Result<(), FrontierError> {
        match self.write(crawl_id, Command::FinishPage(finished)).await {
            Ok(done) => self.end_if_done(&done.job).await,
            Err(ExecuteError::Refused {
                error: DecideError::Terminal { .. } | DecideError::NotFound,
                ..
            }) => Ok(()),
            Err(err) => Err(err.into()),
        }
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
            let command = Command::RequestCancel {
                reason: "the crawl was cancelled".to_owned(),
                by: self.actor.clone(),
            };
            match self
                .store
                .execute(
                    page_id,
                    Basis::Load,
                    &self.actor,
                    command,
                    Utc::now(),
                    Retry::CONFLICTS_ONLY,
                )
                .await
            {
                Ok(_) | Err(ExecuteError::Refused { .. }) => {}
                Err(err) => return Err(err.into()),
            }
        }
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
