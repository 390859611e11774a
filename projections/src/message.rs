//! What a projection consumes: stream messages, decoded or not.

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
    Event(&'a RecordedEvent),
    Undecodable(&'a Undecodable),
}

impl<'a> Incoming<'a> {
    pub(crate) fn sequence(&self) -> u64 {
        match self {
            Self::Event(e) => e.sequence,
            Self::Undecodable(u) => u.sequence,
        }
    }

    pub(crate) fn event(&self) -> Option<&'a RecordedEvent> {
        match self {
            Self::Event(e) => Some(e),
            Self::Undecodable(_) => None,
        }
    }
}

impl<'a> From<&'a Message> for Incoming<'a> {
    fn from(message: &'a Message) -> Self {
        match message {
            Message::Event(e) => Self::Event(e),
            Message::Undecodable(u) => Self::Undecodable(u),
        }
    }
}
