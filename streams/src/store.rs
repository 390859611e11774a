//! Appends and reads of one job's events on the `JOBS` stream.
//!
//! Every append carries `Nats-Expected-Last-Subject-Sequence` on `jobs.<id>.>`, so two
//! writers racing on one job cannot both win: the loser gets [`StoreError::Conflict`],
//! re-reads, and decides again. Several events that must land together go in one
//! atomic batch.

use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::message::StreamMessage;
use async_nats::jetstream::stream::{LastRawMessageErrorKind, RawMessageError, Stream};
use async_nats::jetstream::{self, Context};
use async_nats::{HeaderMap, header};
use futures::{Stream as FutStream, StreamExt};
use jetcrawl_proto::v1::Event;
use sha2::Digest;

use crate::envelope::{self, EventKind, RecordedEvent};
use crate::error::StoreError;
use crate::headers;
use crate::job::{Job, fold};
use crate::subjects::{JOBS_STREAM, event_subject, job_filter};

/// Result of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Stream sequence of the last event appended.
    pub sequence: u64,
    /// True when JetStream recognised a retried publish and stored nothing new.
    pub duplicate: bool,
}

/// Reads and appends job events.
#[derive(Clone)]
pub struct EventStore {
    js: Context,
    stream: Stream,
}

impl EventStore {
    /// Binds to the `JOBS` stream, which [`crate::Topology::apply`] must have created.
    pub async fn open(js: Context) -> Result<Self, StoreError> {
        let stream = js
            .get_stream(JOBS_STREAM)
            .await
            .map_err(StoreError::unavailable)?;
        Ok(Self { js, stream })
    }

    /// The JetStream context this store publishes with.
    pub fn context(&self) -> &Context {
        &self.js
    }

    /// Appends `events` (all of one job) if the job's last stream sequence is still
    /// `expected_last` (0: the job has no events yet).
    pub async fn append(
        &self,
        expected_last: u64,
        events: &[Event],
    ) -> Result<Appended, StoreError> {
        match events {
            [] => Err(StoreError::Invalid("append of zero events")),
            [single] => self.append_one(expected_last, single).await,
            many => self.append_batch(expected_last, many).await,
        }
    }

    async fn append_one(&self, expected_last: u64, event: &Event) -> Result<Appended, StoreError> {
        let mut map = envelope::envelope_headers(event);
        expect_last(&mut map, &event.job_id, expected_last);
        let payload = envelope::encode(event);
        map.insert(
            header::NATS_MESSAGE_ID,
            message_id(event, expected_last, &payload).as_str(),
        );
        let message = PublishMessage::build().headers(map).payload(payload);
        let ack = self
            .js
            .send_publish(subject_of(event)?, message)
            .await
            .map_err(StoreError::unavailable)?
            .await
            .map_err(|err| publish_error(err.kind(), err, event, expected_last))?;
        Ok(Appended {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    /// Atomic batch publish (nats-server 2.12+, stream `allow_atomic`): messages
    /// 1..n-1 go as core publishes with the batch headers, the last one commits.
    async fn append_batch(
        &self,
        expected_last: u64,
        events: &[Event],
    ) -> Result<Appended, StoreError> {
        let batch_id = uuid::Uuid::new_v4().simple().to_string();
        let last = events.len() - 1;
        for (index, event) in events.iter().enumerate() {
            let mut map = envelope::envelope_headers(event);
            if index == 0 {
                expect_last(&mut map, &event.job_id, expected_last);
            }
            map.insert(header::NATS_BATCH_ID, batch_id.as_str());
            map.insert(
                header::NATS_BATCH_SEQUENCE,
                (index + 1).to_string().as_str(),
            );
            let subject = subject_of(event)?;
            if index < last {
                self.js
                    .client()
                    .publish_with_headers(subject, map, envelope::encode(event))
                    .await
                    .map_err(StoreError::unavailable)?;
                continue;
            }
            map.insert(header::NATS_BATCH_COMMIT, header::NATS_BATCH_COMMIT_FINAL);
            let message = PublishMessage::build()
                .headers(map)
                .payload(envelope::encode(event));
            let ack = self
                .js
                .send_publish(subject, message)
                .await
                .map_err(StoreError::unavailable)?
                .await
                .map_err(|err| publish_error(err.kind(), err, event, expected_last))?;
            return Ok(Appended {
                sequence: ack.sequence,
                duplicate: ack.duplicate,
            });
        }
        Err(StoreError::Invalid("append of zero events"))
    }

    /// The job's whole history, oldest first; empty when the job does not exist.
    /// Reads go to the stream leader, so a client always sees its own writes.
    ///
    /// A walk by wildcard subject is a linear scan of the stream's block on the server,
    /// from where it starts to the next match. So the walk is bounded first: the job's
    /// last event (a lookup through the per-subject index) and its JobSubmitted, which is
    /// always its first event since it is appended only where the job has none. A job
    /// whose only event is JobSubmitted costs two indexed lookups and no scan.
    pub async fn history(&self, job_id: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        let filter = job_filter(job_id);
        let Some(last) = self.last_on(filter.clone()).await? else {
            return Ok(Vec::new());
        };
        let first = self
            .last_on(event_subject(job_id, EventKind::Submitted))
            .await?
            .filter(|first| first.sequence <= last.sequence);
        let mut next = first.as_ref().map_or(1, |first| first.sequence);
        let mut events = Vec::new();
        if let Some(first) = first.filter(|first| first.sequence < last.sequence) {
            next = first.sequence + 1;
            events.push(first);
        }
        while next < last.sequence {
            let found = self.next_on(&filter, next).await?;
            match found {
                Some(event) if event.sequence < last.sequence => {
                    next = event.sequence + 1;
                    events.push(event);
                }
                _ => break,
            }
        }
        events.push(last);
        Ok(events)
    }

    /// The last event on `subject` (literal or wildcard), found through the stream's
    /// per-subject index.
    async fn last_on(&self, subject: String) -> Result<Option<RecordedEvent>, StoreError> {
        let found = self
            .stream
            .raw_message_builder()
            .last_by_subject(subject)
            .send()
            .await;
        found_event(found)
    }

    /// The first event on `filter` at or after stream sequence `from`.
    async fn next_on(&self, filter: &str, from: u64) -> Result<Option<RecordedEvent>, StoreError> {
        let found = self
            .stream
            .raw_message_builder()
            .sequence(from)
            .next_by_subject(filter.to_owned())
            .send()
            .await;
        found_event(found)
    }

    /// Stream sequence of the job's last event (0 when it has none): one indexed lookup,
    /// enough to tell whether a job read earlier has changed since.
    pub async fn last_sequence(&self, job_id: &str) -> Result<u64, StoreError> {
        Ok(self
            .last_on(job_filter(job_id))
            .await?
            .map_or(0, |last| last.sequence))
    }

    /// Whether the job was ever asked to cancel: one indexed lookup of its last
    /// `JobCancelRequested`, without reading its history.
    pub async fn cancel_requested(&self, job_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .last_on(event_subject(job_id, EventKind::CancelRequested))
            .await?
            .is_some())
    }

    /// The job folded from its history (`JobStatus::New` when it does not exist).
    pub async fn load(&self, job_id: &str) -> Result<Job, StoreError> {
        Ok(fold(&self.history(job_id).await?))
    }

    /// Every event of the job from the first, then live ones as they are appended.
    pub async fn watch(
        &self,
        job_id: &str,
    ) -> Result<impl FutStream<Item = Result<RecordedEvent, StoreError>> + use<>, StoreError> {
        let consumer = self
            .stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig {
                filter_subject: job_filter(job_id),
                deliver_policy: jetstream::consumer::DeliverPolicy::All,
                ..Default::default()
            })
            .await
            .map_err(StoreError::unavailable)?;
        let messages = consumer.messages().await.map_err(StoreError::unavailable)?;
        Ok(messages.map(|message| {
            let message = message.map_err(StoreError::unavailable)?;
            let sequence = message
                .info()
                .map_err(StoreError::unavailable)?
                .stream_sequence;
            envelope::decode(sequence, &message.payload)
        }))
    }
}

/// The event a direct get found, `None` when there was none.
fn found_event(
    found: Result<StreamMessage, RawMessageError>,
) -> Result<Option<RecordedEvent>, StoreError> {
    match found {
        Ok(message) => Ok(Some(envelope::decode(message.sequence, &message.payload)?)),
        Err(err) if err.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
        Err(err) => Err(StoreError::unavailable(err)),
    }
}

/// `<job>.<expected last seq>.<payload hash>`: a retried publish of the same event is
/// recognised and stored once, while a different event at the same position can never
/// be mistaken for a duplicate of it (it is refused by the sequence check instead).
fn message_id(event: &Event, expected_last: u64, payload: &[u8]) -> String {
    let digest = sha2::Sha256::digest(payload);
    format!(
        "{}.{expected_last}.{}",
        event.job_id,
        hex::encode(&digest[..8])
    )
}

fn expect_last(map: &mut HeaderMap, job_id: &str, expected_last: u64) {
    map.insert(
        headers::EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT,
        job_filter(job_id).as_str(),
    );
    map.insert(
        headers::EXPECTED_LAST_SUBJECT_SEQUENCE,
        expected_last.to_string().as_str(),
    );
}

fn subject_of(event: &Event) -> Result<String, StoreError> {
    let payload = event
        .payload
        .as_ref()
        .ok_or(StoreError::Invalid("event without payload"))?;
    Ok(event_subject(&event.job_id, EventKind::of(payload)))
}

fn publish_error(
    kind: PublishErrorKind,
    err: impl Into<crate::error::Cause>,
    event: &Event,
    expected: u64,
) -> StoreError {
    match kind {
        PublishErrorKind::WrongLastSequence => StoreError::Conflict {
            job_id: event.job_id.clone(),
            expected,
        },
        _ => StoreError::unavailable(err),
    }
}
