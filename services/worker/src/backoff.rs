//! Job retry delays: the egress crate's exponential backoff with equal jitter (one
//! implementation for job retries, webhook deliveries and proxies).

pub use jetcrawl_egress::Backoff;
