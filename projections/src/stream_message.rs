//! A raw stream message as every projection receives it: sequence, subject, payload and
//! the stored timestamp. Each projection decodes what it needs from it.

use chrono::{DateTime, SubsecRound as _, Utc};
use jetcrawl_streams::audit::{DecodeError, RecordedAction, decode_action};
use jetcrawl_streams::envelope::decode;
use jetcrawl_streams::subjects::job_id_of;

use crate::message::{Message, Undecodable};

/// One message of a JetStream stream, undecoded.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamMessage {
    /// Sequence in its stream.
    pub sequence: u64,
    /// Subject it was published on.
    pub subject: String,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// When JetStream stored it (the message metadata's timestamp).
    pub stored_at: Option<DateTime<Utc>>,
    /// `Jetcrawl-Job-Id` header, empty when absent.
    pub job_id_header: String,
    /// `Jetcrawl-Tenant` header, empty when absent.
    pub tenant_header: String,
    /// `Jetcrawl-Envelope` header, empty when absent (job events, and audit actions
    /// stored before ADR 34).
    pub envelope_header: String,
}

impl StreamMessage {
    /// The message decoded as a `jetcrawl.v1.Event`, or kept as [`Undecodable`].
    pub fn to_message(&self) -> Message {
        match decode(self.sequence, &self.payload) {
            Ok(recorded) => Message::Event(recorded),
            Err(err) => Message::Undecodable(Undecodable {
                sequence: self.sequence,
                subject: self.subject.clone(),
                job_id: self.job_id(),
                tenant: self.tenant_header.clone(),
                reason: err.to_string(),
                raw: self.payload.clone(),
            }),
        }
    }

    /// The message decoded as an audit action of `AUDIT_ACTIONS` (not a refusal on
    /// `audit.denied.*`), in either encoding (ADR 34).
    pub fn to_action(&self) -> Result<RecordedAction, DecodeError> {
        decode_action(
            self.sequence,
            Some(self.envelope_header.as_str()),
            &self.payload,
        )
    }

    /// The job id from the subject, else from the header.
    pub fn job_id(&self) -> String {
        job_id_of(&self.subject)
            .map(str::to_owned)
            .unwrap_or_else(|| self.job_id_header.clone())
    }

    /// The stored timestamp at Postgres precision (the epoch when unknown).
    pub(crate) fn stored_micros(&self) -> DateTime<Utc> {
        self.stored_at
            .unwrap_or(DateTime::UNIX_EPOCH)
            .trunc_subsecs(6)
    }
}
