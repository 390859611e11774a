//! The politeness seam: before an attempt starts, the worker asks a [`SlotGate`] for a
//! slot on the job's domain. The crawl controller implements it (crawl-delay, domain
//! quotas in KV); until then every job is [`AlwaysReady`].
//!
//! A wait never consumes an attempt: the worker appends `JobDeferred` (a work event of
//! its own, so the old message's delivery count does not grow) and frees its slot.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use jetcrawl_proto::v1::CrawlDelayCapped;
use jetcrawl_streams::Job;

use crate::error::ErrorClass;
use crate::execute::agent::{AllowAll, PageCheck};

/// The gate's answer: the job crate's [`Admission`], which `decide` takes as it is.
pub use jetcrawl_streams::job::Admission as Slot;

/// How the attempt a [`Slot::Ready`] let start ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptOutcome {
    /// The failure's class; `None` for a success.
    pub error: Option<ErrorClass>,
    /// The site's `Retry-After` (429 or 503).
    pub retry_after: Option<std::time::Duration>,
}

/// What the gate's grant adds to a result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotNotes {
    /// Crawl-delays cut to the configured cap.
    pub capped: Vec<CrawlDelayCapped>,
    /// The result JSON's `politeness` section, when there is something to say.
    pub report: Option<serde_json::Value>,
}

/// Decides whether a job may start now. Called at most once per delivered message.
pub trait SlotGate: Send + Sync + std::fmt::Debug {
    /// The slot for `job`'s next attempt.
    fn slot<'a>(&'a self, job: &'a Job) -> Pin<Box<dyn Future<Output = Slot> + Send + 'a>>;

    /// `job`'s granted attempt is about to send its first request: hold it until its
    /// domain's interval since the latest request has passed.
    fn confirm<'a>(&'a self, _job: &'a Job) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }

    /// What the grant of `job`'s running attempt adds to its result.
    fn notes(&self, _job: &Job) -> SlotNotes {
        SlotNotes::default()
    }

    /// The robots.txt check of the pages `tenant`'s agent jobs find on their way; a gate
    /// that checks nothing allows every page.
    fn page_check(&self, _tenant: &str) -> Arc<dyn PageCheck> {
        Arc::new(AllowAll)
    }

    /// `job`'s attempt ended: release what its slot held and learn from `outcome`.
    fn finished<'a>(
        &'a self,
        _job: &'a Job,
        _outcome: AttemptOutcome,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}

/// Every job may start at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlwaysReady;

impl SlotGate for AlwaysReady {
    fn slot<'a>(&'a self, _job: &'a Job) -> Pin<Box<dyn Future<Output = Slot> + Send + 'a>> {
        Box::pin(async { Slot::Ready })
    }
}
