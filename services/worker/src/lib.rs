//! The Jetcrawl worker. It pulls submitted jobs from the `workers` JetStream consumer,
//! runs each spec over plain HTTP or in a pool of headless Chromium tabs (AUTO picks per
//! page), stores the result JSON and screenshots in the `RESULTS` Object Store, and
//! records every attempt in the job's history through the pure `decide` of
//! `jetcrawl-streams`. Failed attempts are classified as retryable or not and retried
//! with exponential backoff through NAK delays; politeness waits (a [`SlotGate`]) defer
//! a job without spending an attempt; a cancel request stops a run at its next step
//! boundary; and the dead-letter component turns MAX_DELIVERIES advisories into dead
//! letters.
//!
//! Crawls run here too (ADR 0047): each page is a page job, and the `crawls` consumer
//! records their ends on the crawl.
//!
//! The worker keeps no state of its own: any number of them can share the consumer.

#![forbid(unsafe_code)]

pub mod agent_job;
pub mod attempt;
pub mod backoff;
pub mod browser_session;
pub mod config;
pub mod crawl_config;
pub mod crawl_job;
pub mod deadletter;
pub mod egress;
pub mod error;
pub mod execute;
pub mod gate;
pub mod handler;
pub mod hold;
pub mod lifecycle;
pub mod model_config;
pub mod phase;
pub mod politeness;
pub mod pool;
pub mod results;
pub mod thumbnail;
pub mod watch;
pub mod worker;

pub use config::WorkerConfig;
pub use error::{ErrorClass, JobError};
pub use execute::{Executor, ExecutorConfig, Mode};
pub use gate::{AlwaysReady, Slot, SlotGate};
pub use pool::{BrowserPool, PoolConfig};
pub use worker::{WorkerError, run, run_with, run_with_gate};
