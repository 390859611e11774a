//! Ending a crawl once its frontier is empty: its JSONL (one line per page, in queue
//! order) goes to the result store as `<crawl id>/result.jsonl`, then the crawl's
//! JobSucceeded; a crawl with a cancel request ends as cancelled instead.

use chrono::Utc;
use jetcrawl_proto::v1::{CrawlPageKind, JobSpec, JobSucceeded};
use jetcrawl_streams::{Command, DecideError, ExecuteError, Job, JobStatus};
use serde_json::{Value, json};

use super::{Frontier, FrontierError};

/// Pages are inlined in a crawl's JSONL up to this size; later lines carry their
/// `result_key` only, so ending a large crawl never holds gigabytes.
const MAX_INLINE_BYTES: usize = 256 << 20;

impl Frontier {
    /// Ends `crawl` when every page it queued has ended; does nothing otherwise.
    pub(super) async fn end_if_done(&self, crawl: &Job) -> Result<(), FrontierError> {
        let Some(frontier) = crawl.crawl.as_ref() else {
            return Ok(());
        };
        if frontier.queued.is_empty() || frontier.pending() > 0 || crawl.status.is_terminal() {
            return Ok(());
        }
        let result = match crawl.cancel_requested {
            Some(_) => JobSucceeded::default(),
            None => self.write_jsonl(crawl).await?,
        };
        match self.write(&crawl.id, Command::EndCrawl(result)).await {
            Ok(_)
            | Err(ExecuteError::Refused {
                error: DecideError::Terminal { .. },
                ..
            }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    async fn write_jsonl(&self, crawl: &Job) -> Result<JobSucceeded, FrontierError> {
        let frontier = crawl
            .crawl
            .as_ref()
            .map(|f| f.order.clone())
            .unwrap_or_default();
        let mut out = Vec::new();
        for page_id in &frontier {
            let inline = out.len() < MAX_INLINE_BYTES;
            let line = self.page_line(crawl, page_id, inline).await?;
            serde_json::to_writer(&mut out, &line)
                .map_err(|err| FrontierError::Results(err.to_string()))?;
            out.push(b'\n');
        }
        let key = format!("{}/result.jsonl", crawl.id);
        let (size, sha256) = self
            .results
            .put(&key, &out)
            .await
            .map_err(|err| FrontierError::Results(err.to_string()))?;
        let took = crawl
            .submitted_at
            .map(|at| (Utc::now() - at).num_milliseconds())
            .unwrap_or_default();
        Ok(JobSucceeded {
            attempt: 0,
            result_key: key,
            result_size: size,
            result_sha256: sha256,
            mode_used: crawl.spec.as_ref().map_or(0, |s| s.render),
            duration_ms: u64::try_from(took).unwrap_or_default(),
            ..JobSucceeded::default()
        })
    }

    /// One page's line: its id, URL, depth and outcome, and (`inline`) its result's
    /// page when it has one; past the JSONL's size bound, its `result_key` only.
    async fn page_line(
        &self,
        crawl: &Job,
        page_id: &str,
        inline: bool,
    ) -> Result<Value, FrontierError> {
        let page = self.store.load(page_id).await?;
        let queued = crawl.crawl.as_ref().and_then(|f| f.queued.get(page_id));
        let depth = queued.map_or(0, |q| q.depth);
        let url = self.opened_url(&page).await?;
        let mut line = json!({
            "page_job_id": page_id,
            "url": url,
            "depth": depth,
            "state": page.status.as_str(),
        });
        // A robots.txt or sitemap read for its URLs says so; pages have no `kind`.
        if let Some(kind) = queued.map(|q| q.kind).filter(|k| *k != CrawlPageKind::Page) {
            let name = match kind {
                CrawlPageKind::Robots => "robots",
                _ => "sitemap",
            };
            line["kind"] = json!(name);
        }
        match (&page.status, &page.result, &page.failure) {
            (JobStatus::Succeeded, Some(result), _) => {
                line["result_key"] = json!(result.result_key);
                if !inline {
                    line["page_left_out"] = json!(format!(
                        "the JSONL reached {} MiB; read this page's result by its result_key",
                        MAX_INLINE_BYTES >> 20
                    ));
                } else if page.result_expired {
                    line["page_left_out"] = json!("the page's result expired (retention)");
                } else {
                    // A result erased with its data subject, or gone, is said, not fatal:
                    // the crawl must still end.
                    match self.read_page(&result.result_key).await {
                        Ok(page) => line["page"] = page,
                        Err(why) => line["page_left_out"] = json!(why),
                    }
                }
            }
            (_, _, Some(failure)) => {
                line["error"] = json!({ "class": failure.error_class, "message": failure.message });
            }
            _ => {}
        }
        Ok(line)
    }

    async fn read_page(&self, key: &str) -> Result<Value, String> {
        let bytes = self
            .results
            .get(key)
            .await
            .map_err(|err| format!("the page's result could not be read: {err}"))?;
        let document: Value = serde_json::from_slice(&bytes)
            .map_err(|err| format!("the page's result is not JSON: {err}"))?;
        Ok(document["pages"][0].clone())
    }

    async fn opened_url(&self, page: &Job) -> Result<String, FrontierError> {
        let spec = page.spec.clone().unwrap_or_default();
        let opened: JobSpec = match &self.privacy {
            Some(privacy) => privacy.open_spec(&page.tenant, &spec).await?.spec,
            None => spec,
        };
        Ok(opened.urls.first().cloned().unwrap_or_default())
    }
}
