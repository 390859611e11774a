//! `jetcrawl crawl URL... [--limit N] [--depth D] [--format markdown] [--wait]` and
//! `jetcrawl map URL...` (ADR 0047): a crawl is a job whose pages are page jobs; with
//! `--wait` a live bar shows its progress, then its JSONL is downloaded (each line a
//! page, checked against its sha256).

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use jetcrawl_gateway::http::dto::{CrawlDto, JobSpecDto, RenderDto, ScopeDto};
use jetcrawl_proto::v1::{CrawlProgress, Job, JobSpec, JobState, SubmitJobRequest};
use serde_json::{Value, json};

use super::result_fetch::{Downloader, signed};
use super::{client, get};
use crate::args::{Format, Global, Output, Render};
use crate::spec;

/// How often a waiting crawl is read.
const POLL: Duration = Duration::from_millis(500);

/// Which hosts a crawl follows links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    /// The start pages' hosts (and ports) exactly.
    SameHost,
    /// The start pages' registrable domains and every host under them.
    SameDomain,
    /// The start pages' hosts and the hosts under them.
    Subdomains,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Start pages.
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// Most pages, start pages included (0: the server default, 100).
    #[arg(long, default_value_t = 0)]
    pub limit: u32,
    /// Most links followed from a start page (default 5; 0 fetches the start pages only).
    #[arg(long)]
    pub depth: Option<u32>,
    /// Which hosts are in scope.
    #[arg(long, value_enum, default_value_t = Scope::SameHost)]
    pub scope: Scope,
    /// Only pages whose path and query match this regular expression; repeatable.
    #[arg(long = "include", value_name = "REGEX")]
    pub include: Vec<String>,
    /// Never pages whose path and query match this regular expression; repeatable.
    #[arg(long = "exclude", value_name = "REGEX")]
    pub exclude: Vec<String>,
    /// Follow links to other hosts too.
    #[arg(long)]
    pub allow_external: bool,
    /// Also queue the URLs of the start hosts' sitemaps.
    #[arg(long)]
    pub sitemaps: bool,
    /// How pages are fetched (default: auto).
    #[arg(long, value_enum)]
    pub render: Option<Render>,
    /// Each page also in this format; repeatable (links and metadata are always there).
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub format: Vec<Format>,
    /// Deadline per page in milliseconds (0: server default).
    #[arg(long, default_value_t = 0)]
    pub timeout_ms: u32,
    /// Follow the crawl with a progress bar until it ends, then print its JSONL.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: write the JSONL to this file instead of stdout.
    #[arg(long, value_name = "FILE", requires = "wait")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    /// Start pages.
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// Most URLs listed (0: the server default, 100).
    #[arg(long, default_value_t = 0)]
    pub limit: u32,
    /// Most links followed from a start page.
    #[arg(long, default_value_t = 1)]
    pub depth: u32,
    /// Which hosts are in scope.
    #[arg(long, value_enum, default_value_t = Scope::SameHost)]
    pub scope: Scope,
    /// Leave the sitemaps out (links only).
    #[arg(long)]
    pub no_sitemaps: bool,
}

pub async fn run(global: &Global, args: CrawlArgs) -> anyhow::Result<()> {
    let spec = JobSpec::from(JobSpecDto {
        urls: args.urls.clone(),
        render: args.render.map(spec::render_dto),
        timeout_ms: args.timeout_ms,
        formats: args.format.iter().map(|f| spec::format_dto(*f)).collect(),
        crawl: Some(CrawlDto {
            max_pages: args.limit,
            max_depth: args.depth,
            scope: Some(scope(args.scope)),
            include_paths: args.include.clone(),
            exclude_paths: args.exclude.clone(),
            allow_external: args.allow_external,
            sitemaps: args.sitemaps,
        }),
        ..JobSpecDto::default()
    });
    let crawl_id = submit(global, spec).await?;
    if !args.wait {
        match global.output {
            Output::Json => outln!("{}", json!({"crawl_id": crawl_id})),
            Output::Text => outln!("{crawl_id}"),
        }
        return Ok(());
    }
    let (job, lines) = wait_and_fetch(global, &crawl_id).await?;
    let mut out: Box<dyn std::io::Write> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if let Some(path) = &args.out {
        eprintln!("{} pages written to {}", lines.len(), path.display());
    }
    ended_well(&job)
}

pub async fn map(global: &Global, args: MapArgs) -> anyhow::Result<()> {
    let spec = JobSpec::from(JobSpecDto {
        urls: args.urls.clone(),
        render: Some(RenderDto::Http),
        crawl: Some(CrawlDto {
            max_pages: args.limit,
            max_depth: Some(args.depth),
            scope: Some(scope(args.scope)),
            sitemaps: !args.no_sitemaps,
            ..CrawlDto::default()
        }),
        ..JobSpecDto::default()
    });
    let crawl_id = submit(global, spec).await?;
    let (job, lines) = wait_and_fetch(global, &crawl_id).await?;
    // Pages only: the robots.txt and sitemaps read for them say their `kind`.
    let urls: Vec<&str> = lines
        .iter()
        .filter(|l| l.get("kind").is_none())
        .filter_map(|l| l["url"].as_str())
        .collect();
    match global.output {
        Output::Json => outln!("{}", json!({"crawl_id": crawl_id, "urls": urls})),
        Output::Text => {
            for url in urls {
                outln!("{url}");
            }
        }
    }
    ended_well(&job)
}

async fn submit(global: &Global, spec: JobSpec) -> anyhow::Result<String> {
    let mut jobs = client(global).await?;
    let request = SubmitJobRequest {
        spec: Some(spec),
        idempotency_key: format!("cli-{}", uuid::Uuid::new_v4()),
    };
    Ok(super::submit::submit_with_retries(&mut jobs, request)
        .await?
        .job_id)
}

/// Follows the crawl with a bar on stderr (text output) until it ends, then downloads
/// its JSONL.
async fn wait_and_fetch(global: &Global, crawl_id: &str) -> anyhow::Result<(Job, Vec<Value>)> {
    let bar = (global.output == Output::Text).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} pages {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let started = Instant::now();
    let job = loop {
        let job = get::job(global, crawl_id).await?;
        let progress = job.crawl.unwrap_or_default();
        if let Some(bar) = &bar {
            show(bar, &progress, started.elapsed());
        }
        if is_terminal(job.state) {
            break job;
        }
        tokio::time::sleep(POLL).await;
    };
    if let Some(bar) = bar {
        bar.finish();
    }
    if job.state != JobState::Succeeded as i32 {
        return Ok((job, Vec::new()));
    }
    let mut jobs = client(global).await?;
    let files = signed(&mut jobs, crawl_id, 0).await?;
    let file = files
        .result
        .with_context(|| format!("crawl {crawl_id} ended without its JSONL"))?;
    let bytes = Downloader::new(global)?.fetch(&file).await?;
    let lines = bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(serde_json::from_slice)
        .collect::<Result<Vec<Value>, _>>()
        .with_context(|| format!("the JSONL of crawl {crawl_id} is not JSON lines"))?;
    Ok((job, lines))
}

fn show(bar: &ProgressBar, p: &CrawlProgress, elapsed: Duration) {
    let ended = p.done + p.failed + p.skipped_robots + p.cancelled;
    bar.set_length(u64::from(p.queued));
    bar.set_position(u64::from(ended));
    let rate = f64::from(p.done) / elapsed.as_secs_f64().max(0.001);
    bar.set_message(format!(
        "· {} discovered · {} done · {} failed · {} robots · {rate:.1} pages/s",
        p.discovered, p.done, p.failed, p.skipped_robots
    ));
}

fn ended_well(job: &Job) -> anyhow::Result<()> {
    let progress = job.crawl.unwrap_or_default();
    eprintln!(
        "crawl {}: {} pages done, {} failed, {} disallowed by robots.txt, {} cancelled; {} links out of scope, {} past the limit",
        job.job_id,
        progress.done,
        progress.failed,
        progress.skipped_robots,
        progress.cancelled,
        progress.skipped_scope,
        progress.skipped_limit
    );
    if job.state == JobState::Succeeded as i32 {
        return Ok(());
    }
    Err(crate::exit::JobEnded {
        job_id: job.job_id.clone(),
        state: crate::output::state_name(job.state),
        why: job
            .failure
            .as_ref()
            .map(|f| format!("{}: {}", f.error_class, f.message)),
        job: Some(crate::output::job_json(job)),
    }
    .into())
}

fn is_terminal(state: i32) -> bool {
    matches!(
        JobState::try_from(state),
        Ok(JobState::Succeeded | JobState::Failed | JobState::Cancelled)
    )
}

fn scope(scope: Scope) -> ScopeDto {
    match scope {
        Scope::SameHost => ScopeDto::SameHost,
        Scope::SameDomain => ScopeDto::SameDomain,
        Scope::Subdomains => ScopeDto::Subdomains,
    }
}
