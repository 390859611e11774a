//! The politeness seam: before an attempt starts, the worker asks a [`SlotGate`] for a
//! slot on the job's domain. The crawl controller implements it (crawl-delay, domain
//! quotas in KV); until then every job is [`AlwaysReady`].
//!
//! A wait never consumes an attempt: the worker appends `JobDeferred` (a work event of
//! its own, so the old message's delivery count does not grow) and frees its slot.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use jetcrawl_streams::Job;

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Start now.
    Ready,
    /// Not before `not_before`.
    Wait {
        /// When the job may start.
        not_before: DateTime<Utc>,
        /// Why, e.g. "crawl-delay of example.com is 10 s".
        reason: String,
    },
}

/// Decides whether a job may start now. Called at most once per delivered message.
pub trait SlotGate: Send + Sync + std::fmt::Debug {
    /// The slot for `job`'s next attempt.
    fn slot<'a>(&'a self, job: &'a Job) -> Pin<Box<dyn Future<Output = Slot> + Send + 'a>>;
}

/// Every job may start at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlwaysReady;

impl SlotGate for AlwaysReady {
    fn slot<'a>(&'a self, _job: &'a Job) -> Pin<Box<dyn Future<Output = Slot> + Send + 'a>> {
        Box::pin(async { Slot::Ready })
    }
}
