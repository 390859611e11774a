//! One projecting session of one projection: its stream checked against the checkpoint,
//! its consumer positioned at the checkpoint, messages gathered into batches (up to
//! `batch_size`, or `batch_wait` after the first one), each batch applied and acked,
//! until told to stop, a gap, or a stream that is no longer the one the checkpoint
//! counts in (then it halts until an operator recovers; see [`crate::alarm`]).

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, Context};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use jetcrawl_projections::Projection;
use jetcrawl_streams::Topology;
use sqlx::PgPool;
use tokio::time::{Instant, MissedTickBehavior, sleep_until};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::alarm::{Guard, alarm};
use crate::batch::{self, sequence_of};
use crate::config::ProjectorConfig;
use crate::consumer;
use crate::failpoint::Failpoint;
use crate::health::ProjectorHealth;
use crate::identity::Finding;

/// Least time between two checks of the stream prompted by redelivered messages.
const REDELIVERY_CHECK: Duration = Duration::from_secs(1);
/// How often a projecting session checks its stream against its checkpoint anyway: a
/// stream that lost messages and grew again past the checkpoint sends the next
/// sequence, which looks like progress.
const PERIODIC_CHECK: Duration = Duration::from_secs(10);
/// How often a session looks whether NATS reconnected (a server that restarted may
/// have lost messages), to check the stream at once.
const RECONNECT_WATCH: Duration = Duration::from_secs(1);

/// Why a session ended.
pub(crate) enum Stop {
    /// Told to stop (shutdown, lost lock, or another projection failed).
    Stopped,
    /// A message arrived out of order, or Postgres holds an older checkpoint than the
    /// session committed: reposition the consumer at the checkpoint Postgres holds.
    Gap,
    /// The stream is no longer the one the checkpoint counts in; the alarm is raised.
    Halted(Finding),
}

/// What became of a received message.
enum Received {
    /// Gathered for the batch, or dropped as already applied.
    Taken,
    /// Out of order: dropped, and redelivered once the consumer is repositioned.
    Gap,
    /// Not trusted: the stream is no longer the one the checkpoint counts in.
    Halt(Finding),
}

/// What a session works with.
pub(crate) struct Session<'a> {
    pub projection: Projection,
    pub config: &'a ProjectorConfig,
    pub topology: &'a Topology,
    pub js: &'a Context,
    pub pool: &'a PgPool,
    pub failpoint: &'a Failpoint,
    pub health: &'a ProjectorHealth,
}

/// Messages gathered for the next batch, contiguous after the checkpoint.
struct Pending {
    applied: u64,
    /// The checkpoint last read from or committed to Postgres (below `applied` after
    /// messages the stream no longer holds were skipped).
    committed: u64,
    messages: Vec<jetstream::Message>,
    deadline: Option<Instant>,
    /// Creation time of the stream checked at the session's start, recorded with each
    /// checkpoint (never one read later: a recreated stream must show as a mismatch).
    stream_created: DateTime<Utc>,
    /// When the stream last matched the checkpoint.
    checked: Instant,
    /// NATS connections established (reconnects included) before that check.
    connects: u64,
}

impl Pending {
    fn expected(&self) -> u64 {
        self.applied + self.messages.len() as u64 + 1
    }
}

impl Session<'_> {
    /// Projects until `stop`, repositioning the consumer after each gap, and waiting
    /// out each halt.
    pub(crate) async fn run(&self, stop: CancellationToken) -> anyhow::Result<()> {
        let mut after_gap = false;
        loop {
            match self.project(after_gap, stop.clone()).await? {
                Stop::Gap => after_gap = true,
                Stop::Halted(finding) => {
                    if !self.guard().wait_for_recovery(finding, &stop).await {
                        return Ok(());
                    }
                    after_gap = false;
                }
                Stop::Stopped => return Ok(()),
            }
        }
    }

    fn guard(&self) -> Guard<'_> {
        Guard {
            projection: self.projection,
            js: self.js,
            pool: self.pool,
            health: self.health,
        }
    }

    /// Checks the stream against the checkpoint; the finding when it no longer matches
    /// (the alarm is then raised).
    async fn check(&self, pending: &mut Pending) -> anyhow::Result<Option<Finding>> {
        let connects = self.connects();
        let finding = self.guard().inspect().await?;
        if finding.mismatch.is_some() {
            alarm(&finding);
            return Ok(Some(finding));
        }
        pending.checked = Instant::now();
        pending.connects = connects;
        Ok(None)
    }

    /// NATS connections this client established so far, reconnects included.
    fn connects(&self) -> u64 {
        self.js
            .client()
            .statistics()
            .connects
            .load(Ordering::Relaxed)
    }

    /// Projects from the checkpoint, once the stream is checked against it. With
    /// `accept_gap`, a first message beyond the checkpoint is taken as the stream no
    /// longer holding the ones between (removed by its limits).
    async fn project(&self, mut accept_gap: bool, stop: CancellationToken) -> anyhow::Result<Stop> {
        let name = self.projection.name();
        let connects = self.connects();
        let finding = self.guard().inspect().await?;
        if finding.mismatch.is_some() {
            alarm(&finding);
            return Ok(Stop::Halted(finding));
        }
        let applied = finding.checkpoint.last_seq;
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
            committed: applied,
            messages: Vec::with_capacity(size),
            deadline: None,
            stream_created: finding.stream.created,
            checked: Instant::now(),
            connects,
        };
        let mut watch = tokio::time::interval_at(Instant::now() + RECONNECT_WATCH, RECONNECT_WATCH);
        watch.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let deadline = pending
                .deadline
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                biased;
                () = stop.cancelled() => {
                    // A halt found by this flush is alarmed already; stopping is what is left.
                    let _ = self.flush(&mut pending).await?;
                    return Ok(Stop::Stopped);
                }
                () = sleep_until(deadline), if pending.deadline.is_some() => {
                    if let Some(stop) = self.flush(&mut pending).await? {
                        return Ok(stop);
                    }
                }
                // Periodic checks also keep the stream gauges current. A halt drops what
                // is gathered, unacked and unapplied.
                _ = watch.tick() => {
                    let due = self.connects() != pending.connects
                        || pending.checked.elapsed() >= PERIODIC_CHECK;
                    if due && let Some(finding) = self.check(&mut pending).await? {
                        return Ok(Stop::Halted(finding));
                    }
                }
                next = stream.next() => {
                    let message = match next {
                        Some(Ok(message)) => message,
                        Some(Err(err)) => anyhow::bail!("pulling from the consumer of {name}: {err}"),
                        None => anyhow::bail!("the consumer stream of {name} ended"),
                    };
                    if let Some(stop) = self.receive(&mut pending, message, &mut accept_gap).await? {
                        return Ok(stop);
                    }
                }
            }
        }
    }

    /// Takes one message, and flushes when the batch is full or on a gap; the reason to
    /// end the session, if any.
    async fn receive(
        &self,
        pending: &mut Pending,
        message: jetstream::Message,
        accept_gap: &mut bool,
    ) -> anyhow::Result<Option<Stop>> {
        let gap = match self.accept(pending, message, accept_gap).await? {
            Received::Taken => false,
            Received::Gap => true,
            Received::Halt(finding) => return Ok(Some(Stop::Halted(finding))),
        };
        let full = pending.messages.len() >= self.config.batch_size.max(1);
        if (gap || full)
            && let Some(stop) = self.flush(pending).await?
        {
            return Ok(Some(stop));
        }
        Ok(gap.then_some(Stop::Gap))
    }

    /// Adds the message to the batch, drops it as already applied, or refuses it.
    async fn accept(
        &self,
        pending: &mut Pending,
        message: jetstream::Message,
        accept_gap: &mut bool,
    ) -> anyhow::Result<Received> {
        let seq = sequence_of(&message)?;
        let expected = pending.expected();
        let first = std::mem::take(accept_gap);
        if seq < expected {
            // Already gathered, or at or below the checkpoint: a redelivery, unless the
            // stream lost messages and now reuses their sequences (pitfall 9). Ack what is
            // applied, once a check less than a second old vouches for the stream, so it
            // stops coming back; the batch's own ack covers the rest.
            if seq <= pending.applied {
                if pending.checked.elapsed() >= REDELIVERY_CHECK
                    && let Some(finding) = self.check(pending).await?
                {
                    return Ok(Received::Halt(finding));
                }
                let _ = message.ack().await;
            }
            return Ok(Received::Taken);
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
                return Ok(Received::Gap);
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
        Ok(Received::Taken)
    }

    /// Applies and acks what is gathered. When NATS reconnected since the last check
    /// (the server may have restarted after losing messages, and a consumer past the
    /// checkpoint would deliver reused sequences as the next ones), checks first; on a
    /// halt nothing is applied and the session halts. When Postgres holds an older
    /// checkpoint than the session committed, nothing is applied and the session
    /// re-projects from it (a gap).
    async fn flush(&self, pending: &mut Pending) -> anyhow::Result<Option<Stop>> {
        pending.deadline = None;
        if pending.messages.is_empty() {
            return Ok(None);
        }
        if self.connects() != pending.connects
            && let Some(finding) = self.check(pending).await?
        {
            return Ok(Some(Stop::Halted(finding)));
        }
        let outcome = batch::apply(
            self.pool,
            self.projection,
            self.failpoint,
            &pending.messages,
            pending.stream_created,
            pending.committed,
        )
        .await?;
        pending.messages.clear();
        match outcome {
            batch::Outcome::Applied(applied) => {
                pending.applied = applied.checkpoint;
                pending.committed = applied.checkpoint;
                Ok(None)
            }
            batch::Outcome::Behind { checkpoint } => {
                warn!(
                    projection = self.projection.name(),
                    held = checkpoint,
                    committed = pending.committed,
                    "Postgres holds an older checkpoint than this projector committed (lost commits, or a restored backup); re-projecting from it"
                );
                Ok(Some(Stop::Gap))
            }
        }
    }
}
