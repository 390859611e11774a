//! Command-line options and the sizes of each scenario (quick and full presets, each
//! size overridable).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Which preset the sizes start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Small sizes, one repeat: proves the tool works in a few minutes.
    Quick,
    /// The sizes the issue asks for.
    Full,
}

/// `jetcrawl-bench`: runs every scenario against its baseline and writes the report.
#[derive(Debug, Clone, Parser)]
#[command(name = "jetcrawl-bench", version, about)]
pub struct BenchArgs {
    /// Small sizes and one repeat (under 5 minutes); the full sizes otherwise.
    #[arg(long)]
    pub quick: bool,
    /// Directory the report goes to (`benchmarks.md` and `benchmarks.json`).
    #[arg(long, default_value = "target/bench-report")]
    pub out: PathBuf,
    /// Measure nothing: read this `benchmarks.json`, check its targets again and write
    /// the report to `--out` (after the report's checks or wording changed).
    #[arg(long, value_name = "JSON")]
    pub render: Option<PathBuf>,
    /// How many times every scenario runs; the report gives medians.
    #[arg(long)]
    pub repeats: Option<u32>,
    /// Only these scenarios (submit, durability, cluster, projector, workers, e2e,
    /// peers), or parts of one (`workers.http`, `workers.browser`, `workers.auto`,
    /// `cluster.submit`, `cluster.workers`, `peers.browser`, `peers.http`, `peers.crawl`); all when
    /// empty. The peers scenario needs Crawlee: `scripts/setup-peers.sh`.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Concurrent gRPC clients of the submit scenario, e.g. `10,100,1000`.
    #[arg(long, value_delimiter = ',')]
    pub clients: Vec<usize>,
    /// Offered submit rate (jobs/s, all clients together) of the latency phase.
    #[arg(long)]
    pub submit_rate: Option<f64>,
    /// Seconds of each submit phase (latency at the offered rate, then saturation).
    #[arg(long)]
    pub submit_secs: Option<f64>,
    /// Messages of the raw publish baseline.
    #[arg(long)]
    pub raw_publishes: Option<usize>,
    /// Submits in flight in the saturation phases, and messages outstanding in their raw
    /// publish baseline (1,000 in both presets).
    #[arg(long)]
    pub window: Option<usize>,
    /// Events replayed by the projector scenario.
    #[arg(long)]
    pub projector_events: Option<usize>,
    /// Projector batch size (its `JETCRAWL_PROJECTOR_BATCH`); the projector's default
    /// when absent.
    #[arg(long)]
    pub projector_batch: Option<usize>,
    /// Fixture pages of the worker scenario (half static, half JavaScript).
    #[arg(long)]
    pub pages: Option<usize>,
    /// Fixture pages of each browser row of the peers scenario (half static, half
    /// JavaScript; the http row takes `--pages` static pages instead).
    #[arg(long)]
    pub peer_pages: Option<usize>,
    /// Sections of the fixture's `/site/` the peers scenario's crawls cover (it has 12,
    /// of 22 pages each; the full preset crawls them all, the quick preset 2).
    #[arg(long)]
    pub crawl_sections: Option<usize>,
    /// Browser tab counts of the worker scenario, e.g. `1,2,4`.
    #[arg(long, value_delimiter = ',')]
    pub tabs: Vec<usize>,
    /// Jobs per render mode in the end-to-end scenario.
    #[arg(long)]
    pub e2e_jobs: Option<usize>,
}

/// Every size a run uses, resolved from the preset and the overrides.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// The preset they came from.
    pub preset: Preset,
    /// Repeats of every scenario.
    pub repeats: u32,
    /// Submit clients.
    pub clients: Vec<usize>,
    /// Offered rate of the latency phase, jobs/s.
    pub submit_rate: f64,
    /// Duration of each submit phase.
    pub submit_phase: Duration,
    /// Requests in flight in the saturation phase and in the raw publish window.
    pub window: usize,
    /// Raw publish baseline size.
    pub raw_publishes: usize,
    /// Events replayed by the projector.
    pub projector_events: usize,
    /// Projector batch size override.
    pub projector_batch: Option<usize>,
    /// Events/s of the projector's live-lag phase, and its duration.
    pub lag_rate: f64,
    /// Duration of the live-lag phase.
    pub lag_phase: Duration,
    /// Worker pages.
    pub pages: usize,
    /// Pages of each peers row: Crawlee runs at a few pages/s, so fewer than the
    /// worker scenario's keep a full repeat within half an hour.
    pub peer_pages: usize,
    /// Sections of `/site/` the peers crawls cover, the others left out on both sides.
    pub crawl_sections: usize,
    /// Browser tab counts.
    pub tabs: Vec<usize>,
    /// Jobs running at once in http and auto mode (the worker's tab setting).
    pub http_concurrency: usize,
    /// End-to-end jobs per mode.
    pub e2e_jobs: usize,
    /// End-to-end offered rate, jobs/s, for http and browser.
    pub e2e_rates: (f64, f64),
    /// Scenarios to run.
    pub only: Vec<String>,
}

impl BenchArgs {
    /// The sizes of this run.
    pub fn sizes(&self) -> Sizes {
        let preset = if self.quick {
            Preset::Quick
        } else {
            Preset::Full
        };
        let mut sizes = match preset {
            Preset::Quick => Sizes::quick(),
            Preset::Full => Sizes::full(),
        };
        if let Some(r) = self.repeats {
            sizes.repeats = r.max(1);
        }
        if !self.clients.is_empty() {
            sizes.clients = self.clients.clone();
        }
        if !self.tabs.is_empty() {
            sizes.tabs = self.tabs.clone();
        }
        let set = |slot: &mut usize, v: Option<usize>| *slot = v.unwrap_or(*slot).max(1);
        set(&mut sizes.raw_publishes, self.raw_publishes);
        set(&mut sizes.window, self.window);
        set(&mut sizes.projector_events, self.projector_events);
        set(&mut sizes.pages, self.pages);
        set(&mut sizes.peer_pages, self.peer_pages);
        set(&mut sizes.crawl_sections, self.crawl_sections);
        set(&mut sizes.e2e_jobs, self.e2e_jobs);
        if let Some(rate) = self.submit_rate {
            sizes.submit_rate = rate.max(1.0);
        }
        if let Some(secs) = self.submit_secs {
            sizes.submit_phase = Duration::from_secs_f64(secs.max(0.2));
        }
        sizes.projector_batch = self.projector_batch;
        sizes.only = self.only.iter().map(|s| s.trim().to_lowercase()).collect();
        sizes
    }
}

impl Sizes {
    /// The sizes.
    pub fn full() -> Self {
        Self {
            preset: Preset::Full,
            repeats: 3,
            clients: vec![10, 100, 1000],
            submit_rate: 1000.0,
            submit_phase: Duration::from_secs(10),
            window: 1000,
            raw_publishes: 100_000,
            projector_events: 200_000,
            projector_batch: None,
            lag_rate: 2000.0,
            lag_phase: Duration::from_secs(5),
            pages: 1000,
            peer_pages: 300,
            crawl_sections: jetcrawl_tests::fixture::graph::SECTIONS,
            tabs: vec![1, 2, 4],
            http_concurrency: 4,
            e2e_jobs: 100,
            e2e_rates: (20.0, 2.0),
            only: Vec::new(),
        }
    }

    /// Small sizes for CI.
    pub fn quick() -> Self {
        Self {
            preset: Preset::Quick,
            repeats: 1,
            clients: vec![10, 100],
            submit_rate: 300.0,
            submit_phase: Duration::from_secs(3),
            raw_publishes: 10_000,
            projector_events: 20_000,
            lag_rate: 1000.0,
            lag_phase: Duration::from_secs(2),
            pages: 60,
            peer_pages: 60,
            // The browser crawl runs at the smallest preset's one tab: all 278 pages took
            // Crawlee about 110 s, most of the quick run.
            crawl_sections: 2,
            tabs: vec![1, 2],
            e2e_jobs: 20,
            e2e_rates: (10.0, 2.0),
            ..Self::full()
        }
    }

    /// Whether scenario `name` runs (named alone, or one of its parts named).
    pub fn runs(&self, name: &str) -> bool {
        self.only.is_empty()
            || self.only.iter().any(|s| {
                s == name
                    || s.strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
    }

    /// Whether part `part` of scenario `name` runs: the scenario is named alone, or
    /// `name.part` is (e.g. `workers.http`, `workers.browser`, `workers.auto`,
    /// `cluster.submit`, `cluster.workers`).
    pub fn runs_part(&self, name: &str, part: &str) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|s| s == name || *s == format!("{name}.{part}"))
    }
}
