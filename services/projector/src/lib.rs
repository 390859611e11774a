//! The Jetcrawl projector: one durable JetStream consumer per projection of
//! `jetcrawl-projections` (the read models of `JOBS` and the audit log of `JOBS` and
//! `AUDIT_ACTIONS`), and the rebuild of the read models ([`rebuild`]).
//!
//! Each batch (up to 500 messages or 50 ms) is applied in one transaction that also
//! writes that projection's checkpoint, and acked only after the commit; redelivered
//! messages are skipped by the checkpoint. One instance leads, holding a Postgres
//! advisory lock; others stand by and take over when its session ends. The binary is a
//! thin wrapper around [`run`], which `jetcrawl up` also runs in-process.

mod batch;
mod config;
mod consumer;
mod failpoint;
mod leader;
pub mod metrics;
mod postgres;
mod rebuild;
mod run;
mod session;

pub use config::ProjectorConfig;
pub use leader::lock_name;
pub use rebuild::{RebuildReport, rebuild};
pub use run::run;
