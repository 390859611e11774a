//! One projecting session of one projection: its stream checked against the checkpoint,
//! its consumer positioned at the checkpoint, messages gathered into batches (up to
//! `batch_size`, or `batch_wait` after the first one), each batch applied and acked,
//! until told to stop, a gap, or a stream that is no longer the one the checkpoint
//! counts in (then it halts until an operator recovers; see [`crate::alarm`]).
//!
//! Batches are pipelined, one deep: while Postgres writes a batch, the next one gathers,
//! its messages converted as they arrive and the batch decoded and built (and its
//! metrics' event types worked out) once full. A
//! batch's transaction starts only once the one before it committed, so batches still
//! commit one at a time, in stream order (ADR 49).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::{self, Context};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use jetcrawl_projections::{Projection, StreamMessage};
use jetcrawl_streams::Topology;
use sqlx::PgPool;
use tokio::time::{Instant, MissedTickBehavior, sleep_until};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::alarm::{Guard, alarm};
use crate::batch::{self, Batch, to_stream_message};
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

/// A batch being applied and acked.
type Write<'a> = Pin<Box<dyn Future<Output = anyhow::Result<batch::Outcome>> + Send + 'a>>;

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

/// Messages gathered for the next batch, contiguous after the checkpoint and after the
/// batch being written.
struct Pending<'a> {
    applied: u64,
    /// The checkpoint last read from or committed to Postgres (below `applied` after
    /// messages the stream no longer holds were skipped).
    committed: u64,
    messages: Vec<StreamMessage>,
    /// The delivery of the last gathered message: its ack covers the batch.
    last: Option<jetstream::Message>,
    deadline: Option<Instant>,
    /// The batch being written, and its last sequence.
    writing: Option<(Write<'a>, u64)>,
    /// Creation time of the stream checked at the session's start, recorded with each
    /// checkpoint (never one read later: a recreated stream must show as a mismatch).
    stream_created: DateTime<Utc>,
    /// When the stream last matched the checkpoint.
    checked: Instant,
    /// NATS connections established (reconnects included) before that check.
    connects: u64,
}

impl Pending<'_> {
    fn expected(&self) -> u64 {
        let base = self
            .writing
            .as_ref()
            .map_or(self.applied, |(_, last)| *last);
        base + self.messages.len() as u64 + 1
    }
}

/// Waits for the batch being written; pending forever when there is none (a `select!`
/// branch guarded by `writing.is_some()`).
async fn written(writing: &mut Option<(Write<'_>, u64)>) -> anyhow::Result<batch::Outcome> {
    match writing {
        Some((write, _)) => write.await,
        None => std::future::pending().await,
    }
}

impl<'a> Session<'a> {
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
    async fn check(&self, pending: &mut Pending<'a>) -> anyhow::Result<Option<Finding>> {
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
            last: None,
            deadline: None,
            writing: None,
            stream_created: finding.stream.created,
            checked: Instant::now(),
            connects,
        };
        let stop = self
            .pump(&mut pending, &mut stream, &mut accept_gap, &stop)
            .await?;
        // Whatever ended the session, the batch already on its way is seen through: it
        // passed every check before it started, as it would have in a sequential loop.
        // A refusal it meets is logged; the next session starts from the checkpoint
        // Postgres holds anyway.
        let _ = self.settle(&mut pending).await?;
        Ok(stop)
    }

    /// Receives, gathers and writes until the session must end; why it must.
    async fn pump(
        &self,
        pending: &mut Pending<'a>,
        stream: &mut pull::Stream,
        accept_gap: &mut bool,
        stop: &CancellationToken,
    ) -> anyhow::Result<Stop> {
        let name = self.projection.name();
        let mut watch = tokio::time::interval_at(Instant::now() + RECONNECT_WATCH, RECONNECT_WATCH);
        watch.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let deadline = pending
                .deadline
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            let waiting = pending.writing.is_some();
            tokio::select! {
                biased;
                () = stop.cancelled() => {
                    // A halt found by this flush is alarmed already; stopping is what is left.
                    let _ = self.flush(pending).await?;
                    return Ok(Stop::Stopped);
                }
                outcome = written(&mut pending.writing), if waiting => {
                    pending.writing = None;
                    if let Some(stop) = self.record(pending, outcome?) {
                        return Ok(stop);
                    }
                }
                () = sleep_until(deadline), if pending.deadline.is_some() => {
                    if let Some(stop) = self.flush(pending).await? {
                        return Ok(stop);
                    }
                }
                // Periodic checks also keep the stream gauges current. A halt drops what
                // is gathered, unacked and unapplied.
                _ = watch.tick() => {
                    let due = self.connects() != pending.connects
                        || pending.checked.elapsed() >= PERIODIC_CHECK;
                    if !due {
                        continue;
                    }
                    if let Some(stop) = self.settle(pending).await? {
                        return Ok(stop);
                    }
                    if let Some(finding) = self.check(pending).await? {
                        return Ok(Stop::Halted(finding));
                    }
                }
                next = stream.next() => {
                    let message = match next {
                        Some(Ok(message)) => message,
                        Some(Err(err)) => anyhow::bail!("pulling from the consumer of {name}: {err}"),
                        None => anyhow::bail!("the consumer stream of {name} ended"),
                    };
                    if let Some(stop) = self.receive(pending, message, accept_gap).await? {
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
        pending: &mut Pending<'a>,
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
        pending: &mut Pending<'a>,
        message: jetstream::Message,
        accept_gap: &mut bool,
    ) -> anyhow::Result<Received> {
        let converted = to_stream_message(&message)?;
        let seq = converted.sequence;
        let expected = pending.expected();
        let first = std::mem::take(accept_gap);
        if seq < expected {
            // Already gathered, being written, or at or below the checkpoint: a
            // redelivery, unless the stream lost messages and now reuses their sequences
            // (pitfall 9). Ack what is applied, once a check less than a second old
            // vouches for the stream, so it stops coming back; the ack of the batch being
            // written or gathered covers the rest (and, ack policy All, this one too).
            if seq <= pending.applied && pending.writing.is_none() {
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
            if !(first && pending.messages.is_empty() && pending.writing.is_none()) {
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
        pending.messages.push(converted);
        pending.last = Some(message);
        Ok(Received::Taken)
    }

    /// Starts writing what is gathered, once the batch before it committed. When NATS
    /// reconnected since the last check (the server may have restarted after losing
    /// messages, and a consumer past the checkpoint would deliver reused sequences as the
    /// next ones), checks first; on a halt nothing more is applied and the session
    /// halts. When Postgres holds an older checkpoint than the session committed, nothing
    /// more is applied and the session re-projects from it (a gap).
    async fn flush(&self, pending: &mut Pending<'a>) -> anyhow::Result<Option<Stop>> {
        pending.deadline = None;
        let Some(last) = pending.last.take() else {
            return Ok(None);
        };
        // Decoded and built, and typed for the metrics, now, while Postgres still writes
        // the batch before it.
        let size = self.config.batch_size.max(1);
        let messages = std::mem::replace(&mut pending.messages, Vec::with_capacity(size));
        let prepared = self.projection.prepare(&messages);
        let types = batch::event_types(self.projection, &messages, prepared.as_ref());
        if let Some(stop) = self.settle(pending).await? {
            return Ok(Some(stop));
        }
        if self.connects() != pending.connects
            && let Some(finding) = self.check(pending).await?
        {
            return Ok(Some(Stop::Halted(finding)));
        }
        let batch = Batch {
            messages,
            prepared,
            types,
            last,
        };
        let last_seq = batch
            .messages
            .last()
            .map_or(pending.applied, |m| m.sequence);
        let (pool, projection, failpoint) = (self.pool, self.projection, self.failpoint);
        let (created, committed) = (pending.stream_created, pending.committed);
        let write = async move {
            batch::apply(pool, projection, failpoint, batch, created, committed).await
        };
        pending.writing = Some((Box::pin(write), last_seq));
        Ok(None)
    }

    /// Waits for the batch being written, if any; the reason to end the session, if any.
    async fn settle(&self, pending: &mut Pending<'a>) -> anyhow::Result<Option<Stop>> {
        if pending.writing.is_none() {
            return Ok(None);
        }
        let outcome = written(&mut pending.writing).await;
        pending.writing = None;
        Ok(self.record(pending, outcome?))
    }

    /// Takes in what became of the batch that was being written (its caller has cleared
    /// `pending.writing`).
    fn record(&self, pending: &mut Pending<'a>, outcome: batch::Outcome) -> Option<Stop> {
        match outcome {
            batch::Outcome::Applied(applied) => {
                pending.applied = applied.checkpoint;
                pending.committed = applied.checkpoint;
                None
            }
            batch::Outcome::Behind { checkpoint } => {
                warn!(
                    projection = self.projection.name(),
                    held = checkpoint,
                    committed = pending.committed,
                    "Postgres holds an older checkpoint than this projector committed (lost commits, or a restored backup); re-projecting from it"
                );
                Some(Stop::Gap)
            }
        }
    }
}
