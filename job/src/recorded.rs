//! An event as the log stored it: its stream sequence and its envelope.

use chrono::{DateTime, Utc};
use jetcrawl_proto::v1::Event;
use jetcrawl_proto::v1::event::Payload;

/// An event as stored: its stream sequence and decoded envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Stream sequence in `JOBS`.
    pub sequence: u64,
    /// The decoded envelope.
    pub event: Event,
}

impl RecordedEvent {
    /// The payload; absent only for an event type newer than this build.
    pub fn payload(&self) -> Option<&Payload> {
        self.event.payload.as_ref()
    }

    /// When the event happened, from the envelope.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.event
            .occurred_at
            .as_ref()
            .map_or(DateTime::UNIX_EPOCH, to_datetime)
    }
}

/// A wire timestamp as a UTC time (the epoch when out of range).
pub fn to_datetime(t: &prost_types::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32).unwrap_or(DateTime::UNIX_EPOCH)
}

/// A UTC time as a wire timestamp.
pub fn to_timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}
