//! What a projection consumes: stream messages, decoded or not.

use chrono::{DateTime, Utc};
use jetcrawl_streams::RecordedEvent;
use serde_json::{Value, json};

/// Event type recorded in `job_events` for a message that is not a valid envelope.
pub const UNDECODABLE: &str = "Undecodable";

/// One stream message as the projector hands it over.
// Nearly every message is an `Event`; boxing it to shrink the rare variant would cost an
// allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A decoded event.
    Event(RecordedEvent),
    /// A message that did not decode; recorded so it is never silently dropped.
    Undecodable(Undecodable),
}

/// A stream message that is not a valid `jetcrawl.v1.Event`.
#[derive(Debug, Clone, PartialEq)]
pub struct Undecodable {
    /// Stream sequence in `JOBS`.
    pub sequence: u64,
    /// The subject it was published on.
    pub subject: String,
    /// Job id from the subject or the headers; empty when neither has one.
    pub job_id: String,
    /// Tenant from the headers; empty when absent.
    pub tenant: String,
    /// Why decoding failed.
    pub reason: String,
    /// The raw payload, kept for forensics.
    pub raw: Vec<u8>,
}

impl Undecodable {
    /// What `job_events.payload` holds for it.
    pub fn payload_json(&self) -> Value {
        json!({
            "subject": self.subject,
            "error": self.reason,
            "raw_hex": hex_of(&self.raw),
        })
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A borrowed message, so decoded events can be applied without copying.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Incoming<'a> {
    /// A decoded event and, when known, when JetStream stored it.
    Event(&'a RecordedEvent, Option<DateTime<Utc>>),
    /// An undecodable message and, when known, when JetStream stored it.
    Undecodable(&'a Undecodable, Option<DateTime<Utc>>),
}

impl<'a> Incoming<'a> {
    pub(crate) fn sequence(&self) -> u64 {
        match self {
            Self::Event(e, _) => e.sequence,
            Self::Undecodable(u, _) => u.sequence,
        }
    }

    /// A message whose stored time is known.
    pub(crate) fn stored(message: &'a Message, stored_at: Option<DateTime<Utc>>) -> Self {
        match message {
            Message::Event(e) => Self::Event(e, stored_at),
            Message::Undecodable(u) => Self::Undecodable(u, stored_at),
        }
    }
}

impl<'a> From<&'a Message> for Incoming<'a> {
    fn from(message: &'a Message) -> Self {
        match message {
            Message::Event(e) => Self::Event(e, None),
            Message::Undecodable(u) => Self::Undecodable(u, None),
        }
    }
}
