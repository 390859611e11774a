//! The Jetcrawl projector: a durable JetStream consumer that folds the `JOBS` stream into
//! the Postgres read models of `jetcrawl-projections`.
//!
//! Each batch (up to 500 messages or 50 ms) is applied in one transaction that also
//! writes the checkpoint, and acked only after the commit; redelivered messages are
//! skipped by the checkpoint. One instance per projection projects, holding a Postgres
//! advisory lock; others stand by and take over when its session ends. The binary is a
//! thin wrapper around [`run`], which `jetcrawl up` also runs in-process.

mod batch;
mod config;
mod consumer;
mod leader;
pub mod metrics;
mod postgres;
mod run;
mod session;

pub use config::ProjectorConfig;
pub use leader::lock_name;
pub use run::run;
