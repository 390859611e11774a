//! One projecting session of one projection: its consumer positioned at the checkpoint,
//! messages gathered into batches (up to `batch_size`, or `batch_wait` after the first
//! one), each batch applied and acked, until told to stop or a gap.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, Context};
use futures::StreamExt as _;
use jetcrawl_projections::{Projection, checkpoint};
use jetcrawl_streams::Topology;
use sqlx::PgPool;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::batch::{self, sequence_of};
use crate::config::ProjectorConfig;
use crate::consumer;
use crate::failpoint::Failpoint;

/// Why a session ended.
pub(crate) enum Stop {
    /// Told to stop (shutdown, lost lock, or another projection failed).
    Stopped,
    /// A message arrived out of order: reposition the consumer at the checkpoint.
    Gap,
}

/// What a session works with.
pub(crate) struct Session<'a> {
    pub projection: Projection,
    pub config: &'a ProjectorConfig,
    pub topology: &'a Topology,
    pub js: &'a Context,
    pub pool: &'a PgPool,
    pub failpoint: &'a Failpoint,
}

/// Messages gathered for the next batch, contiguous after the checkpoint.
struct Pending {
    applied: u64,
    messages: Vec<jetstream::Message>,
    deadline: Option<Instant>,
}

impl Pending {
    fn expected(&self) -> u64 {
        self.applied + self.messages.len() as u64 + 1
    }
}

impl Session<'_> {
    /// Projects until `stop`, repositioning the consumer after each gap.
    pub(crate) async fn run(&self, stop: CancellationToken) -> anyhow::Result<()> {
        let mut after_gap = false;
        loop {
            match self.project(after_gap, stop.clone()).await? {
                Stop::Gap => after_gap = true,
                Stop::Stopped => return Ok(()),
            }
        }
    }

    /// Projects from the checkpoint. With `accept_gap`, a first message beyond the
    /// checkpoint is taken as the stream no longer holding the ones between.
    async fn project(&self, mut accept_gap: bool, stop: CancellationToken) -> anyhow::Result<Stop> {
        let name = self.projection.name();
        let applied = checkpoint(self.pool, name).await?;
        let consumer = consumer::open(self.js, self.topology, self.projection, applied).await?;
        let size = self.config.batch_size.max(1);
        let mut stream = consumer
            .stream()
            .max_messages_per_batch(size)
            .messages()
            .await
            .with_context(|| format!("starting to pull from the consumer of {name}"))?;
        info!(projection = name, checkpoint = applied, "projecting");
        let mut pending = Pending {
            applied,
            messages: Vec::with_capacity(size),
            deadline: None,
        };
        loop {
            let deadline = pending
                .deadline
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                biased;
                () = stop.cancelled() => {
                    self.flush(&mut pending).await?;
                    return Ok(Stop::Stopped);
                }
                () = sleep_until(deadline), if pending.deadline.is_some() => self.flush(&mut pending).await?,
                next = stream.next() => {
                    let message = match next {
                        Some(Ok(message)) => message,
                        Some(Err(err)) => anyhow::bail!("pulling from the consumer of {name}: {err}"),
                        None => anyhow::bail!("the consumer stream of {name} ended"),
                    };
                    if !self.accept(&mut pending, message, &mut accept_gap).await? {
                        self.flush(&mut pending).await?;
                        return Ok(Stop::Gap);
                    }
                    if pending.messages.len() >= size {
                        self.flush(&mut pending).await?;
                    }
                }
            }
        }
    }

    /// Adds the message to the batch; false on a gap (the message is then dropped, and
    /// redelivered once the consumer is repositioned).
    async fn accept(
        &self,
        pending: &mut Pending,
        message: jetstream::Message,
        accept_gap: &mut bool,
    ) -> anyhow::Result<bool> {
        let seq = sequence_of(&message)?;
        let expected = pending.expected();
        let first = std::mem::take(accept_gap);
        if seq < expected {
            // Already applied or already gathered: a redelivery. Ack what is applied so it
            // stops coming back; the batch's own ack covers the rest.
            if seq <= pending.applied {
                let _ = message.ack().await;
            }
            return Ok(true);
        }
        if seq > expected {
            let projection = self.projection.name();
            if !(first && pending.messages.is_empty()) {
                warn!(
                    projection,
                    expected,
                    got = seq,
                    "message out of order; repositioning the consumer at the checkpoint"
                );
                return Ok(false);
            }
            warn!(
                projection,
                expected,
                got = seq,
                "the stream no longer holds the messages before this one; skipping them"
            );
            pending.applied = seq - 1;
        }
        if pending.messages.is_empty() {
            pending.deadline = Some(Instant::now() + self.config.batch_wait());
        }
        pending.messages.push(message);
        Ok(true)
    }

    /// Applies and acks what is gathered.
    async fn flush(&self, pending: &mut Pending) -> anyhow::Result<()> {
        pending.deadline = None;
        if pending.messages.is_empty() {
            return Ok(());
        }
        let applied = batch::apply(
            self.pool,
            self.projection,
            self.failpoint,
            &pending.messages,
        )
        .await?;
        pending.applied = applied.checkpoint;
        pending.messages.clear();
        Ok(())
    }
}
