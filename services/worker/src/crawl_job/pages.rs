//! Growing a crawl's frontier: queue pages on the crawl (each once, within its limit),
//! then submit a page job for each page this expansion queued.

use chrono::Utc;
use futures::{StreamExt as _, TryStreamExt as _};
use jetcrawl_proto::v1::{CrawlPageKind, CrawlPageOf, JobSpec, OutputFormat, QueuedPage};
use jetcrawl_streams::job::QueuedInfo;
use jetcrawl_streams::{Basis, Command, DecideError, ExecuteError, Job, Retry};
use url::Url;

use super::keys::CrawlKey;
use super::scope::{Scope, authority, normalize};
use super::{Frontier, FrontierError};

/// Page jobs submitted at once by one expansion.
const SUBMITS_AT_ONCE: usize = 8;

/// What a page offers the crawl: its links and its canonical URL.
#[derive(Debug, Default, Clone)]
pub struct Found {
    /// Absolute links, in document order.
    pub links: Vec<Url>,
    /// `<link rel=canonical>`, when the page names one.
    pub canonical: Option<Url>,
    /// Sitemaps to read (from a robots.txt or a sitemap index).
    pub sitemaps: Vec<Url>,
}

/// A page job the crawl may queue: its URL, depth and kind.
type Candidate = (Url, u32, CrawlPageKind);

/// What the first page of `run` found (a page job has one page).
pub fn found(run: &crate::execute::SpecRun) -> Found {
    let Some(page) = run.pages.first() else {
        return Found::default();
    };
    let formats = &page.result.formats;
    let links = formats
        .get("links")
        .and_then(|l| l.as_array())
        .map(|links| {
            links
                .iter()
                .filter_map(|l| l.get("url")?.as_str())
                .filter_map(|u| Url::parse(u).ok())
                .collect()
        })
        .unwrap_or_default();
    let canonical = formats
        .get("metadata")
        .and_then(|m| m.get("canonical"))
        .and_then(|c| c.as_str())
        .and_then(|c| Url::parse(c).ok());
    Found {
        links,
        canonical,
        sitemaps: Vec::new(),
    }
}

impl Frontier {
    /// Queues a crawl's start pages (its JobSubmitted is its work message). `crawl` is
    /// the job its JobSubmitted folds into, spec sealed.
    pub async fn start(&self, crawl: &Job, opened: &JobSpec) -> Result<(), FrontierError> {
        let key = self.key_of(crawl).await?;
        let urls: Vec<Url> = opened
            .urls
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .map(normalize)
            .collect();
        let mut start_hosts: Vec<String> = urls.iter().map(authority).collect();
        start_hosts.dedup();
        let mut candidates: Vec<Candidate> = Vec::new();
        if opened.crawl.as_ref().is_some_and(|c| c.sitemaps) {
            let mut origins: Vec<Url> = urls
                .iter()
                .filter_map(|u| u.join("/robots.txt").ok())
                .collect();
            origins.dedup();
            candidates.extend(origins.into_iter().map(|u| (u, 0, CrawlPageKind::Robots)));
        }
        candidates.extend(urls.into_iter().map(|u| (u, 0, CrawlPageKind::Page)));
        let expansion = Expansion {
            crawl_id: &crawl.id,
            from_page: String::new(),
            candidates,
            skipped_scope: 0,
            start_hosts,
        };
        self.queue(&key, expansion).await
    }

    /// Queues what page job `page` (spec opened, one of crawl `of.crawl_id`) found,
    /// within the crawl's scope.
    pub async fn expand(
        &self,
        page: &Job,
        of: &CrawlPageOf,
        found: Found,
    ) -> Result<(), FrontierError> {
        let scope = Scope::of(of).map_err(|err| FrontierError::Invalid(err.to_string()))?;
        let depth = of.depth + 1;
        let mut skipped_scope = 0u32;
        let mut seen = std::collections::HashSet::new();
        // Sitemaps are read on the hosts that name them; their pages meet the scope.
        let mut candidates: Vec<Candidate> = found
            .sitemaps
            .into_iter()
            .map(|u| (normalize(u), of.depth, CrawlPageKind::Sitemap))
            .filter(|(u, _, _)| Some(u.host_str()) == Some(page_host(page)))
            .collect();
        for url in found.canonical.into_iter().chain(found.links) {
            let url = normalize(url);
            if !seen.insert(url.clone()) {
                continue;
            }
            match scope.admits(&url, depth) {
                true => candidates.push((url, depth, CrawlPageKind::Page)),
                false => skipped_scope += 1,
            }
        }
        let key = self.key_of(page).await?;
        let expansion = Expansion {
            crawl_id: &of.crawl_id,
            from_page: page.id.clone(),
            candidates,
            skipped_scope,
            start_hosts: Vec::new(),
        };
        self.queue(&key, expansion).await
    }

    /// Records the expansion on the crawl (pages already queued and those past a limit
    /// are left out), then submits the page jobs it queued: after a crash between the
    /// two, doing it again (or the `crawls` consumer, once the page ended) submits the
    /// rest.
    async fn queue(&self, key: &CrawlKey, expansion: Expansion<'_>) -> Result<(), FrontierError> {
        let mut pages = Vec::with_capacity(expansion.candidates.len());
        for (url, depth, kind) in &expansion.candidates {
            pages.push(QueuedPage {
                page_job_id: key.page_id(expansion.crawl_id, url, *kind),
                depth: *depth,
                kind: *kind as i32,
                url: key.seal(url.as_str())?,
                domain: url.host_str().unwrap_or_default().to_owned(),
            });
        }
        let command = Command::QueuePages {
            from_page: expansion.from_page.clone(),
            pages,
            skipped_scope: expansion.skipped_scope,
            start_hosts: expansion.start_hosts,
        };
        let state = match self.write(expansion.crawl_id, command).await {
            Ok(done) => done.job,
            // A crawl that ended (cancelled) takes nothing more.
            Err(ExecuteError::Refused {
                error: DecideError::Terminal { .. } | DecideError::NotFound,
                ..
            }) => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        if !expansion.from_page.is_empty() {
            self.failpoint();
        }
        self.submit_queued_from(&state, &expansion.from_page, false)
            .await
    }

    /// Submits the page jobs `from_page` queued on `crawl` (all of them, or with
    /// `missing_only` those that do not exist yet). Nothing once a cancel was requested:
    /// the `crawls` consumer records those as cancelled.
    pub(super) async fn submit_queued_from(
        &self,
        crawl: &Job,
        from_page: &str,
        missing_only: bool,
    ) -> Result<(), FrontierError> {
        let Some(frontier) = crawl.crawl.as_ref() else {
            return Ok(());
        };
        if crawl.cancel_requested.is_some() {
            return Ok(());
        }
        let mine: Vec<(String, QueuedInfo)> = frontier
            .queued_from(from_page)
            .filter(|(id, _)| !frontier.finished.contains_key(*id))
            .map(|(id, queued)| (id.to_owned(), queued.clone()))
            .collect();
        futures::stream::iter(mine)
            .map(|(id, queued)| self.submit_if(crawl, id, queued, missing_only))
            .buffer_unordered(SUBMITS_AT_ONCE)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn submit_if(
        &self,
        crawl: &Job,
        id: String,
        queued: QueuedInfo,
        missing_only: bool,
    ) -> Result<(), FrontierError> {
        if missing_only && self.store.last_sequence(&id).await? > 0 {
            return Ok(());
        }
        self.submit_page(crawl, &id, &queued).await
    }

    /// Submits page job `id`: the crawl's spec (sealed as stored) for its one URL. A
    /// page job submitted before is left as it is.
    async fn submit_page(
        &self,
        crawl: &Job,
        id: &str,
        queued: &QueuedInfo,
    ) -> Result<(), FrontierError> {
        let mut spec = crawl.spec.clone().unwrap_or_default();
        let start_hosts = crawl
            .crawl
            .as_ref()
            .map(|f| f.start_hosts.clone())
            .unwrap_or_default();
        let of = CrawlPageOf {
            crawl_id: crawl.id.clone(),
            depth: queued.depth,
            crawl: spec.crawl.take(),
            start_hosts,
            kind: queued.kind as i32,
        };
        spec.urls = vec![queued.url.clone()];
        if of.kind() == CrawlPageKind::Page {
            // What the crawl follows is in every page's result.
            for format in [OutputFormat::Links, OutputFormat::Metadata] {
                if !spec.formats.contains(&(format as i32)) {
                    spec.formats.push(format as i32);
                }
            }
        } else {
            // A robots.txt or sitemap is read over HTTP for its URLs, nothing else.
            spec.render = jetcrawl_proto::v1::RenderMode::Http as i32;
            spec.formats.clear();
            spec.extract.clear();
            spec.steps.clear();
            spec.settle = None;
        }
        spec.page = Some(of);
        let command = Command::Submit {
            spec: Box::new(spec),
            idempotency_key: String::new(),
            spec_sha256: id
                .rsplit_once("_p")
                .map(|(_, d)| d.to_owned())
                .unwrap_or_default(),
            subject_ref: crawl.subject_ref.clone(),
            domain: queued.domain.clone(),
        };
        let fresh = Job {
            id: id.to_owned(),
            tenant: crawl.tenant.clone(),
            traceparent: crawl.traceparent.clone(),
            ..Job::default()
        };
        match self
            .store
            .execute(
                id,
                Basis::Guess(Box::new(fresh)),
                &self.actor,
                command,
                Utc::now(),
                Retry::CONFLICTS_ONLY,
            )
            .await
        {
            Ok(_)
            | Err(ExecuteError::Refused {
                error: DecideError::AlreadySubmitted { .. },
                ..
            }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}

/// One expansion of a crawl's frontier.
struct Expansion<'a> {
    crawl_id: &'a str,
    /// The page whose links these are; empty for the start pages.
    from_page: String,
    candidates: Vec<Candidate>,
    skipped_scope: u32,
    /// The start pages' hosts (the start pages' expansion only).
    start_hosts: Vec<String>,
}

/// The host of a page job's (opened) URL.
fn page_host(page: &Job) -> Option<&str> {
    page.spec
        .as_ref()
        .and_then(|s| s.urls.first())
        .and_then(|u| u.split("://").nth(1))
        .and_then(|rest| rest.split(['/', ':', '?', '#']).next())
}
