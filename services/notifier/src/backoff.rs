//! When to try a failed delivery again: the egress crate's exponential backoff with
//! jitter, never sooner than the endpoint's `Retry-After` (seconds or an HTTP date).

pub use jetcrawl_egress::Backoff;
