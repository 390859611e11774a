//! The crawl controller end to end, with real worker processes against the fixture site
//! (issue 4, "Done means" 1, 2, 3, 4 and 7). `127.0.0.1` and `localhost` name the same
//! fixture site but are two registrable domains, so one site gives two domains.
//!
//! - `robots`: RFC 9309 precedence, wildcards and `$`, 404 / 500 / redirecting /
//!   oversized robots.txt, the fleet-wide cache and its expiry, the audited override.
//! - `pacing`: Crawl-delay across two workers while another domain runs; a per-domain
//!   quota across three workers.
//! - `backpressure`: Retry-After, and the circuit breaker opening and closing (with
//!   `jetcrawl domains` and the metrics).

mod backpressure;
mod crawl_jobs;
mod pacing;
mod robots;
mod robots_cache;
mod robots_override;
mod support;
