//! Crawls (ADR 0047). A crawl is a job whose history holds its frontier; each page is a
//! page job of its own, which any worker runs like any other job (robots.txt, the
//! per-domain quota and Crawl-delay, the breaker, SSRF checks and retries all apply).
//!
//! - A crawl's work message (its JobSubmitted) queues the start pages ([`Frontier::start`]).
//! - A page job that ran queues the in-scope links it found, through the crawl's one
//!   write path, before its own JobSucceeded ([`Frontier::expand`]): a crash in between
//!   re-runs the page, and queueing again records nothing twice.
//! - The `crawls` consumer records each page job's end on the crawl, cancels a crawl's
//!   pages, and ends the crawl with its JSONL once its frontier is empty
//!   ([`consumer::serve`]).

mod cancelled;
pub mod consumer;
mod end;
mod keys;
mod listing;
mod pages;
mod scope;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use jetcrawl_privacy::SubjectKeys;
use jetcrawl_streams::{Basis, Command, EventStore, ExecuteError, Executed, Job, Retry};
use thiserror::Error;

use crate::results::ResultStore;
pub(crate) use cancelled::CRAWL_CANCELLED;
pub use keys::page_id_crawl;
pub use listing::read as read_listing;
pub use pages::{Found, found};
pub use scope::{Scope, authority, normalize};

/// Decisions tried on a crawl before a write is reported as contended: every page job
/// of a crawl writes to it, from every worker.
const CRAWL_RETRY: Retry = Retry {
    decisions: 32,
    transient: false,
};

/// One crawl's writes in this process, one at a time, and its state as the last one
/// left it (the next write's guess, so it needs no read unless another process wrote).
type CrawlSlot = Arc<tokio::sync::Mutex<Option<Job>>>;

/// Crawls whose state a process keeps at most; idle ones beyond are forgotten (their
/// next write reads the crawl).
const KEPT_CRAWLS: usize = 32;

/// Writes crawls' frontiers and their page jobs.
#[derive(Clone)]
pub struct Frontier {
    store: EventStore,
    results: ResultStore,
    privacy: Option<SubjectKeys>,
    actor: String,
    slots: Arc<Mutex<HashMap<String, CrawlSlot>>>,
    /// Fault injection: abort after this many expansions, before their submits.
    abort_after_queue: Option<u64>,
    expansions: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Frontier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frontier")
            .field("actor", &self.actor)
            .finish()
    }
}

/// Why a frontier write did not happen; the message that asked for it is redelivered.
#[derive(Debug, Error)]
pub enum FrontierError {
    /// The event log refused or did not answer.
    #[error("crawl frontier: {0}")]
    Store(#[from] ExecuteError),
    /// Reading a job failed.
    #[error("crawl frontier: {0}")]
    Read(#[from] jetcrawl_streams::StoreError),
    /// The crawl's subject key could not be read or used.
    #[error("crawl frontier: {0}")]
    Privacy(#[from] jetcrawl_privacy::PrivacyError),
    /// The crawl's JSONL could not be written.
    #[error("crawl frontier: {0}")]
    Results(String),
    /// The crawl cannot go on (its subject was erased, a pattern no longer compiles).
    #[error("crawl frontier: {0}")]
    Invalid(String),
}

impl Frontier {
    /// A frontier writing as `actor` (`worker:<id>`).
    pub fn new(
        store: EventStore,
        results: ResultStore,
        privacy: Option<SubjectKeys>,
        actor: String,
    ) -> Self {
        Self {
            store,
            results,
            privacy,
            actor,
            slots: Arc::default(),
            abort_after_queue: None,
            expansions: Arc::default(),
        }
    }

    /// For the crash tests: abort the process right after the `n`th page's links were
    /// queued on its crawl, before their page jobs are submitted.
    pub fn abort_after_queue(mut self, n: Option<u64>) -> Self {
        self.abort_after_queue = n;
        self
    }

    /// Called between an expansion's queueing and its submits.
    fn failpoint(&self) {
        let Some(limit) = self.abort_after_queue else {
            return;
        };
        let n = self
            .expansions
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        if n >= limit {
            tracing::error!(
                expansions = n,
                "JETCRAWL_WORKER_ABORT_AFTER_QUEUE reached: aborting before the submits"
            );
            std::process::abort();
        }
    }

    /// Runs `command` on crawl `crawl_id` through its one write path, after this
    /// process's earlier writes to it (so they never contend with each other) and on
    /// the state they left.
    async fn write(&self, crawl_id: &str, command: Command) -> Result<Executed, ExecuteError> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if slots.len() >= KEPT_CRAWLS && !slots.contains_key(crawl_id) {
                // Only slots nobody holds: a write in progress keeps its own.
                slots.retain(|_, slot| Arc::strong_count(slot) > 1);
            }
            slots.entry(crawl_id.to_owned()).or_default().clone()
        };
        let mut known = slot.lock().await;
        let basis = match known.take() {
            Some(job) => Basis::Guess(Box::new(job)),
            None => Basis::Load,
        };
        let executed = self
            .store
            .execute(
                crawl_id,
                basis,
                &self.actor,
                command,
                Utc::now(),
                CRAWL_RETRY,
            )
            .await;
        match &executed {
            Ok(done) if !done.job.status.is_terminal() => *known = Some(done.job.clone()),
            _ => {
                drop(known);
                let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
                slots.remove(crawl_id);
            }
        }
        executed
    }
}
