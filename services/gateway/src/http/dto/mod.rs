//! JSON shapes of the HTTP API and their conversions to the `jetcrawl.v1` messages.

mod convert;
mod job;
mod spec;

pub use job::{ArtifactView, ErrorView, JobView, ResultView};
pub use spec::{
    ExtractKindDto, ExtractNowDto, ExtractRuleDto, JobSpecDto, NavigateDto, RenderDto,
    ScreenshotDto, ScrollDto, SelectorDto, StepDto, StepKindDto, SubmitJobBody, TypeDto,
};
