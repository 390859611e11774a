//! JSON shapes of the HTTP API and their conversions to the `jetcrawl.v1` messages.

mod convert;
mod crawl;
mod job;
mod pages;
mod spec;

pub use crawl::{CrawlDto, CrawlProgressView, ScopeDto};
pub use job::{ArtifactView, ErrorView, JobView, ResultView};
pub use pages::{
    AttemptErrorView, CancelView, DeadLetterPage, DeadLetterView, JobPage, JobSummaryView,
    ReplayView, ReplayedView, SkippedView, parse_state, state_name, time,
};
pub use spec::{
    AgentDto, ExtractKindDto, ExtractNowDto, ExtractRuleDto, FormatDto, JobSpecDto, NavigateDto,
    RenderDto, ScreenshotDto, ScrollDto, SelectorDto, SettleDto, SettleRuleDto, StepDto,
    StepKindDto, SubmitJobBody, TypeDto,
};
