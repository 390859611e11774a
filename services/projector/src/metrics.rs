//! The projector's Prometheus metrics, named in one place.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jetcrawl_projections::Projection;
use metrics::{counter, gauge, histogram};

/// Events applied, by projection and event type (`Undecodable` included).
pub const EVENTS_TOTAL: &str = "jetcrawl_projector_events_total";
/// Wall time of one batch: decode, transaction, commit and ack.
pub const BATCH_SECONDS: &str = "jetcrawl_projector_batch_seconds";
/// The checkpoint: last stream sequence committed.
pub const CHECKPOINT: &str = "jetcrawl_projector_checkpoint";
/// Messages the consumer has not delivered yet.
pub const CONSUMER_PENDING: &str = jetcrawl_streams::pull::CONSUMER_PENDING;
/// Age of the newest event applied, at the time it was applied.
pub const LAG_SECONDS: &str = "jetcrawl_projector_lag_seconds";
/// 1 while this instance holds the leader lock, 0 while it stands by.
pub const LEADER: &str = "jetcrawl_projector_leader";
/// 1 while the projection is halted because its stream is no longer the one its
/// checkpoint counts in (behind it, recreated, or reusing its sequences); 0 when checked
/// healthy. Alert on it: nothing is projected meanwhile.
pub const STREAM_BEHIND: &str = "jetcrawl_projector_stream_behind";
/// Batches refused because the read model's checkpoint was behind what this projector
/// had applied (Postgres lost commits, or was restored from a backup): the projection
/// re-projects from the checkpoint Postgres holds.
pub const REWOUND_TOTAL: &str = "jetcrawl_projector_rewound_total";
/// The checkpoint when the stream was last checked against it.
pub const CHECKPOINT_SEQUENCE: &str = "jetcrawl_projector_checkpoint_sequence";
/// The stream's last sequence when it was last checked against the checkpoint.
pub const STREAM_LAST_SEQUENCE: &str = "jetcrawl_projector_stream_last_sequence";

/// Records a committed and acknowledged batch of `projection`.
pub(crate) fn batch_applied(
    projection: Projection,
    types: &[String],
    elapsed: Duration,
    checkpoint: u64,
    pending: u64,
    newest: Option<DateTime<Utc>>,
) {
    let name = projection.name();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for event_type in types {
        *counts.entry(event_type).or_default() += 1;
    }
    for (event_type, n) in counts {
        counter!(EVENTS_TOTAL, "projection" => name, "event_type" => event_type.to_owned())
            .increment(n);
    }
    histogram!(BATCH_SECONDS, "projection" => name).record(elapsed.as_secs_f64());
    gauge!(CHECKPOINT, "projection" => name).set(checkpoint as f64);
    gauge!(CONSUMER_PENDING, "consumer" => projection.consumer()).set(pending as f64);
    if let Some(newest) = newest {
        let lag = (Utc::now() - newest).num_milliseconds().max(0) as f64 / 1000.0;
        gauge!(LAG_SECONDS, "projection" => name).set(lag);
    }
}

/// Records a batch refused because the read model was behind the session.
pub(crate) fn rewound(projection: Projection) {
    counter!(REWOUND_TOTAL, "projection" => projection.name()).increment(1);
}

/// Records whether this instance leads.
pub(crate) fn leader(active: bool) {
    gauge!(LEADER).set(if active { 1.0 } else { 0.0 });
}

/// Records a check of `projection`'s stream against its checkpoint.
pub(crate) fn stream_checked(projection: Projection, checkpoint: u64, last: u64, halted: bool) {
    let name = projection.name();
    gauge!(STREAM_BEHIND, "projection" => name).set(if halted { 1.0 } else { 0.0 });
    gauge!(CHECKPOINT_SEQUENCE, "projection" => name).set(checkpoint as f64);
    gauge!(STREAM_LAST_SEQUENCE, "projection" => name).set(last as f64);
}
