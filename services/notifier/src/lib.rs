//! The Jetcrawl notifier: tells clients when their jobs end, and keeps results no longer
//! than their retention.
//!
//! - Webhooks: a durable consumer of terminal events (JobSucceeded, JobFailed,
//!   JobCancelled). A job whose spec names a `webhook_url` gets a JSON POST signed per
//!   Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with its
//!   tenant's `whsec_` secret. 2xx settles it, 3xx is not followed, 410 disables the
//!   endpoint, 429/5xx retry with exponential backoff and jitter (honouring
//!   `Retry-After`) within a window. Every attempt is recorded on the job as
//!   `WebhookDelivered` or `WebhookFailed`. The notifier keeps no state: attempts are
//!   counted from the job's history, and a delivery cut by a crash is redelivered by
//!   JetStream with the same `webhook-id`.
//! - Retention: a periodic purge records `ResultExpired` on each job whose result
//!   outlived the retention, then deletes the objects.

#![forbid(unsafe_code)]

pub mod attempt;
pub mod audit_chain;
pub mod backoff;
pub mod config;
pub mod consumer;
pub mod disabled;
pub mod handle;
pub mod metrics;
pub mod payload;
pub mod purge;
pub mod record;
pub mod retention;
pub mod reveal;
pub mod run;
pub mod secrets;
pub mod signature;
pub mod target;

pub use config::NotifierConfig;
pub use run::run;
pub use secrets::WebhookSecrets;
