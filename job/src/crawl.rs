//! The rules of a crawl (ADR 0047): the crawl job holds its frontier. Pages are queued
//! once each (a page job id names its URL), never past the page limit and never after a
//! cancel request; the crawl ends once every queued page job has ended.

use std::collections::{BTreeMap, HashSet};

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    CrawlPageFinished, CrawlPageKind, CrawlPagesQueued, CrawlProgress, JobCancelled, JobSucceeded,
    QueuedPage,
};

use crate::error::DecideError;
use crate::state::Job;

/// Default `max_pages` when the spec says 0.
pub const DEFAULT_MAX_PAGES: u32 = 100;

/// Most robots.txt files and sitemaps one crawl reads: a site's sitemap indexes may
/// nest and fan out without end.
pub const MAX_LISTINGS: usize = 100;
/// Most pages one `CrawlPagesQueued` holds (an event stays far below NATS's 1 MB).
pub const PAGES_PER_EVENT: usize = 500;

/// Outcomes of a page job, as `CrawlPageFinished.outcome` names them.
pub const PAGE_OUTCOMES: [&str; 4] = ["succeeded", "failed", "robots_disallowed", "cancelled"];

/// A crawl's frontier as its events describe it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrawlState {
    /// Page limit (resolved: never 0).
    pub max_pages: u32,
    /// Queued page jobs, by id: their depth and the page whose links queued them (empty
    /// for start pages).
    pub queued: BTreeMap<String, QueuedInfo>,
    /// Queued page ids in queue order.
    pub order: Vec<String>,
    /// Pages whose links were queued (each page expands once).
    pub expanded: HashSet<String>,
    /// The start pages' hosts (`host[:port]`), for the scope of every page job.
    pub start_hosts: Vec<String>,
    /// Ended page jobs and their outcome.
    pub finished: BTreeMap<String, String>,
    /// Links outside the scope, past the depth or excluded.
    pub skipped_scope: u32,
    /// New in-scope pages left out at the limit.
    pub skipped_limit: u32,
}

/// Where a queued page came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedInfo {
    /// Links followed from a start page.
    pub depth: u32,
    /// The page whose links queued it; empty for start pages.
    pub from: String,
    /// A page, or a robots.txt or sitemap read for its URLs.
    pub kind: CrawlPageKind,
    /// Its URL, sealed under the crawl's subject key.
    pub url: String,
    /// Its host, in clear.
    pub domain: String,
}

impl CrawlState {
    /// A fresh frontier for a crawl of at most `max_pages` (0: the default).
    pub fn new(max_pages: u32) -> Self {
        Self {
            max_pages: if max_pages == 0 {
                DEFAULT_MAX_PAGES
            } else {
                max_pages
            },
            ..Self::default()
        }
    }

    /// Queued page jobs not finished yet (robots.txt and sitemaps included).
    pub fn pending(&self) -> usize {
        self.queued.len() - self.finished.len()
    }

    /// Queued pages (robots.txt and sitemaps aside): what `max_pages` bounds.
    pub fn pages(&self) -> usize {
        self.queued
            .values()
            .filter(|q| q.kind == CrawlPageKind::Page)
            .count()
    }

    /// Queued robots.txt files and sitemaps: what [`MAX_LISTINGS`] bounds.
    pub fn listings(&self) -> usize {
        self.queued.len() - self.pages()
    }

    /// The pages `from` queued (empty: the start pages), in queue order.
    pub fn queued_from<'a>(
        &'a self,
        from: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a QueuedInfo)> + 'a {
        self.order.iter().filter_map(move |id| {
            let info = self.queued.get(id)?;
            (info.from == from).then_some((id.as_str(), info))
        })
    }

    /// The wire form, for GetJob.
    pub fn progress(&self) -> CrawlProgress {
        let is_page = |id: &String| {
            self.queued
                .get(id)
                .is_some_and(|q| q.kind == CrawlPageKind::Page)
        };
        let count = |outcome: &str| {
            let n = self
                .finished
                .iter()
                .filter(|(id, o)| *o == outcome && is_page(id))
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        let queued = u32::try_from(self.pages()).unwrap_or(u32::MAX);
        let read = self.finished.keys().filter(|id| !is_page(id)).count();
        CrawlProgress {
            queued,
            done: count("succeeded"),
            failed: count("failed"),
            skipped_robots: count("robots_disallowed"),
            cancelled: count("cancelled"),
            skipped_scope: self.skipped_scope,
            skipped_limit: self.skipped_limit,
            discovered: queued.saturating_add(self.skipped_limit),
            pending: u32::try_from(self.pending()).unwrap_or(u32::MAX),
            sitemaps_read: u32::try_from(read).unwrap_or(u32::MAX),
        }
    }

    pub(crate) fn apply(&mut self, payload: &Payload) {
        match payload {
            Payload::CrawlPagesQueued(queued) => {
                for page in &queued.pages {
                    let info = QueuedInfo {
                        depth: page.depth,
                        from: queued.from_page.clone(),
                        kind: page.kind(),
                        url: page.url.clone(),
                        domain: page.domain.clone(),
                    };
                    if self.queued.insert(page.page_job_id.clone(), info).is_none() {
                        self.order.push(page.page_job_id.clone());
                    }
                }
                if !queued.from_page.is_empty() {
                    self.expanded.insert(queued.from_page.clone());
                }
                if !queued.start_hosts.is_empty() {
                    self.start_hosts = queued.start_hosts.clone();
                }
                self.skipped_scope += queued.skipped_scope;
                self.skipped_limit += queued.skipped_limit;
            }
            Payload::CrawlPageFinished(finished) => {
                self.finished
                    .insert(finished.page_job_id.clone(), finished.outcome.clone());
            }
            _ => {}
        }
    }
}

/// Queue the new pages among `pages` found on `from_page` (empty: the start pages),
/// within the limits. A page already expanded, or a crawl with a cancel request, queues
/// nothing. Recorded as one event per [`PAGES_PER_EVENT`] pages.
pub(crate) fn queue_pages(
    job: &Job,
    from_page: String,
    pages: Vec<QueuedPage>,
    skipped_scope: u32,
    start_hosts: Vec<String>,
) -> Result<Vec<Payload>, DecideError> {
    let crawl = frontier(job, "queue pages of")?;
    let start = from_page.is_empty();
    if job.cancel_requested.is_some()
        || (start && !crawl.queued.is_empty())
        || crawl.expanded.contains(&from_page)
    {
        return Ok(Vec::new());
    }
    let mut room = (crawl.max_pages as usize).saturating_sub(crawl.pages());
    let mut listings = MAX_LISTINGS.saturating_sub(crawl.listings());
    let mut seen = HashSet::new();
    let mut accepted = Vec::new();
    let mut skipped_limit = 0;
    for page in pages {
        if crawl.queued.contains_key(&page.page_job_id) || !seen.insert(page.page_job_id.clone()) {
            continue;
        }
        let budget = match page.kind() {
            CrawlPageKind::Page => &mut room,
            _ => &mut listings,
        };
        if *budget == 0 {
            skipped_limit += 1;
            continue;
        }
        *budget -= 1;
        accepted.push(page);
    }
    let mut events: Vec<CrawlPagesQueued> = accepted
        .chunks(PAGES_PER_EVENT)
        .map(|chunk| CrawlPagesQueued {
            pages: chunk.to_vec(),
            from_page: from_page.clone(),
            ..CrawlPagesQueued::default()
        })
        .collect();
    if events.is_empty() {
        events.push(CrawlPagesQueued {
            from_page,
            ..CrawlPagesQueued::default()
        });
    }
    events[0].skipped_scope = skipped_scope;
    events[0].skipped_limit = skipped_limit;
    events[0].start_hosts = start_hosts;
    Ok(events.into_iter().map(Payload::CrawlPagesQueued).collect())
}

/// Record that a page job ended; a repeat records nothing, and so does a page the crawl
/// never queued.
pub(crate) fn finish_page(
    job: &Job,
    finished: CrawlPageFinished,
) -> Result<Vec<Payload>, DecideError> {
    let crawl = frontier(job, "record a page of")?;
    if !crawl.queued.contains_key(&finished.page_job_id)
        || crawl.finished.contains_key(&finished.page_job_id)
    {
        return Ok(Vec::new());
    }
    Ok(vec![Payload::CrawlPageFinished(finished)])
}

/// End the crawl once its frontier is empty: cancelled when a cancel was requested,
/// otherwise succeeded with `result` (its JSONL).
pub(crate) fn end_crawl(job: &Job, result: JobSucceeded) -> Result<Vec<Payload>, DecideError> {
    let crawl = frontier(job, "end")?;
    if crawl.queued.is_empty() || crawl.pending() > 0 {
        return Err(DecideError::InvalidTransition {
            action: "end",
            status: job.status,
            detail: format!("; {} of its pages have not ended yet", crawl.pending()),
        });
    }
    Ok(match &job.cancel_requested {
        Some(requested) => vec![Payload::JobCancelled(JobCancelled {
            reason: crate::attempt::cancel_reason(&requested.by, &requested.reason),
        })],
        None => vec![Payload::JobSucceeded(result)],
    })
}

fn frontier<'a>(job: &'a Job, action: &'static str) -> Result<&'a CrawlState, DecideError> {
    job.crawl.as_ref().ok_or(DecideError::InvalidTransition {
        action,
        status: job.status,
        detail: "; it is not a crawl".to_owned(),
    })
}
