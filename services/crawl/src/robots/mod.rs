//! robots.txt per RFC 9309: fetch (redirects, size cap, status classes), the record
//! cached fleet-wide in `ROBOTS`, and the verdict on a URL (parsed by `robotxt`, see
//! ADR 0015).

pub mod cache;
pub mod fetch;
mod flight;
pub mod record;

#[cfg(test)]
mod parse_tests;

pub use cache::RobotsCache;
pub use fetch::{Fetched, MAX_BYTES, MAX_REDIRECTS, PlainEgress, RobotsEgress, robots_url};
pub use record::{RecordKind, Robots, RobotsRecord, Verdict};
