//! The Jetcrawl projector: one durable JetStream consumer per projection of
//! `jetcrawl-projections` (the read models of `JOBS` and the audit log of `JOBS` and
//! `AUDIT_ACTIONS`), and the rebuild of the read models ([`rebuild`]).
//!
//! Each batch (up to 5,000 messages, or 50 ms after its first) is applied in one
//! transaction that also writes that projection's checkpoint, and acked only after the
//! commit; redelivered messages are skipped by the checkpoint. A checkpoint records which
//! stream it counts in; when the stream is no longer that one (it came back shorter after
//! a power cut, reuses sequences, or was recreated), the projection halts with an alarm
//! instead of skipping, and resumes once an operator recovers
//! (docs/reliability-recovery.md). One instance leads, holding a Postgres advisory lock;
//! others stand by and take over when its session ends. The binary is a thin wrapper
//! around [`run`], which `jetcrawl up` also runs in-process.

mod alarm;
mod batch;
mod config;
mod consumer;
mod failpoint;
mod health;
mod identity;
mod leader;
pub mod metrics;
mod postgres;
mod rebuild;
mod replay;
mod run;
mod session;

pub use config::ProjectorConfig;
pub use health::ProjectorHealth;
pub use leader::lock_name;
pub use rebuild::{RebuildOptions, RebuildReport, rebuild};
pub use run::{run, run_with_health};
