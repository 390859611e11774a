//! The job aggregate of Jetcrawl: what a job's history folds into (`evolve`), and
//! `decide`, which holds every business rule about which events a command may produce.
//!
//! Pure on purpose: no I/O, no clock, no randomness. The time and the work message's
//! sequence arrive as inputs, so the given/when/then tests here cover exactly what
//! production runs. Writing the decided events is `jetcrawl-streams`'s `execute`, the
//! one write path of a job.

#![forbid(unsafe_code)]

mod attempt;
mod command;
mod control;
mod crawl;
mod decide;
mod error;
mod evolve;
mod journal;
mod outputs;
mod recorded;
mod robots;
mod start;
mod state;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_crawl;
#[cfg(test)]
mod tests_journal;
#[cfg(test)]
mod tests_lifecycle;
#[cfg(test)]
mod tests_outputs;
#[cfg(test)]
mod tests_start;

pub use attempt::{WORKER_LOST_CLASS, cancel_reason, reason};
pub use command::{Admission, Command};
pub use crawl::{
    CrawlState, DEFAULT_MAX_PAGES, MAX_LISTINGS, PAGE_OUTCOMES, PAGES_PER_EVENT, QueuedInfo,
};
pub use decide::{decide, would_start};
pub use error::DecideError;
pub use evolve::{evolve, fold};
pub use journal::AgentEntry;
pub use recorded::{RecordedEvent, to_datetime, to_timestamp};
pub use robots::ROBOTS_DISALLOWED_CLASS;
pub use state::{Job, JobStatus, WebhookOutcome};
