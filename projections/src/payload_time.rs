//! Wire timestamps as the RFC 3339 strings of the JSON payload columns.

/// A wire timestamp as RFC 3339, `None` when absent or out of range.
pub(crate) fn rfc3339(t: Option<&prost_types::Timestamp>) -> Option<String> {
    t.and_then(|t| {
        chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32).map(|d| d.to_rfc3339())
    })
}
