//! `judge`: every way a checkpoint can stop counting in its stream, and what is accepted.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use jetcrawl_projections::CheckpointIdentity;

use super::{Mismatch, StreamState, judge, needs_message};

fn at(second: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + second, 0).unwrap()
}

fn stream(created: DateTime<Utc>, last_sequence: u64) -> StreamState {
    StreamState {
        name: "JOBS",
        created,
        last_sequence,
    }
}

fn recorded(last_seq: u64, created: DateTime<Utc>, stored: DateTime<Utc>) -> CheckpointIdentity {
    CheckpointIdentity {
        last_seq,
        stream_created: Some(created),
        last_stored_at: Some(stored),
    }
}

#[test]
fn the_same_stream_grown_past_the_checkpoint_is_sound() {
    let checkpoint = recorded(20, at(0), at(50));
    assert!(needs_message(&checkpoint, &stream(at(0), 30)));
    assert_eq!(judge(&checkpoint, &stream(at(0), 30), Some(at(50))), None);
    assert_eq!(judge(&checkpoint, &stream(at(0), 20), Some(at(50))), None);
}

#[test]
fn a_stream_ending_before_the_checkpoint_is_behind() {
    let checkpoint = recorded(20, at(0), at(50));
    assert!(!needs_message(&checkpoint, &stream(at(0), 19)));
    assert_eq!(
        judge(&checkpoint, &stream(at(0), 19), None),
        Some(Mismatch::Behind)
    );
    // Even with nothing recorded (a row from before the identity columns).
    let bare = CheckpointIdentity {
        last_seq: 20,
        ..Default::default()
    };
    assert_eq!(
        judge(&bare, &stream(at(0), 0), None),
        Some(Mismatch::Behind)
    );
}

#[test]
fn another_creation_time_is_a_recreated_stream_whatever_its_length() {
    let checkpoint = recorded(20, at(0), at(50));
    for last in [5, 20, 40] {
        assert!(!needs_message(&checkpoint, &stream(at(100), last)));
        assert_eq!(
            judge(&checkpoint, &stream(at(100), last), None),
            Some(Mismatch::Recreated { recorded: at(0) }),
            "last sequence {last}"
        );
    }
}

#[test]
fn another_message_at_the_checkpoint_is_a_reused_sequence() {
    let checkpoint = recorded(20, at(0), at(50));
    assert_eq!(
        judge(&checkpoint, &stream(at(0), 25), Some(at(90))),
        Some(Mismatch::Reused {
            recorded: at(50),
            found: at(90)
        })
    );
}

#[test]
fn stored_times_are_compared_at_microseconds() {
    // Postgres keeps microseconds; NATS reports nanoseconds.
    let stored = at(50) + Duration::nanoseconds(123_456_789);
    let checkpoint = recorded(20, at(0), at(50) + Duration::microseconds(123_456));
    let found = super::truncate_to_micros(stored);
    assert_eq!(judge(&checkpoint, &stream(at(0), 20), Some(found)), None);
    let next = found + Duration::microseconds(1);
    assert!(judge(&checkpoint, &stream(at(0), 20), Some(next)).is_some());
}

#[test]
fn nothing_to_compare_is_accepted() {
    // Checkpoint 0 counts in any stream.
    let zero = CheckpointIdentity::default();
    assert_eq!(judge(&zero, &stream(at(100), 0), None), None);
    // A row written before the identity columns, on a stream that reaches it.
    let bare = CheckpointIdentity {
        last_seq: 20,
        ..Default::default()
    };
    assert!(!needs_message(&bare, &stream(at(0), 30)));
    assert_eq!(judge(&bare, &stream(at(100), 30), None), None);
    // A message at the checkpoint removed by the stream's limits.
    let checkpoint = recorded(20, at(0), at(50));
    assert_eq!(judge(&checkpoint, &stream(at(0), 30), None), None);
}
