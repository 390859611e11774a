//! JSON DTOs ↔ `jetcrawl.v1` messages, in one place.

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    AgentSpec, Click, ExtractKind, ExtractNow, ExtractRule, JobSpec, Navigate, OutputFormat,
    RenderMode, Screenshot, Scroll, Settle, SettleRule, Step, SubmitJobRequest, TypeText,
    WaitForSelector, WaitForText,
};

use super::spec::{
    AgentDto, ExtractKindDto, ExtractNowDto, ExtractRuleDto, FormatDto, JobSpecDto, NavigateDto,
    RenderDto, ScreenshotDto, ScrollDto, SelectorDto, SettleDto, SettleRuleDto, StepDto,
    StepKindDto, SubmitJobBody, TypeDto, WaitForTextDto,
};

impl From<SubmitJobBody> for SubmitJobRequest {
    fn from(body: SubmitJobBody) -> Self {
        Self {
            spec: body.spec.map(JobSpec::from),
            idempotency_key: body.idempotency_key,
        }
    }
}

impl From<JobSpecDto> for JobSpec {
    fn from(dto: JobSpecDto) -> Self {
        Self {
            urls: dto.urls,
            steps: dto.steps.into_iter().map(Step::from).collect(),
            extract: dto.extract.into_iter().map(ExtractRule::from).collect(),
            render: dto.render.map_or(RenderMode::Unspecified, |r| match r {
                RenderDto::Http => RenderMode::Http,
                RenderDto::Browser => RenderMode::Browser,
                RenderDto::Auto => RenderMode::Auto,
            }) as i32,
            timeout_ms: dto.timeout_ms,
            labels: dto.labels.into_iter().collect(),
            webhook_url: dto.webhook_url,
            data_subject: dto.data_subject,
            settle: dto.settle.map(Settle::from),
            agent: dto.agent.map(AgentSpec::from),
            formats: dto
                .formats
                .into_iter()
                .map(|f| OutputFormat::from(f) as i32)
                .collect(),
            crawl: dto.crawl.map(jetcrawl_proto::v1::CrawlSpec::from),
            // Set by Jetcrawl on a crawl's page jobs only.
            page: None,
        }
    }
}

impl From<FormatDto> for OutputFormat {
    fn from(dto: FormatDto) -> Self {
        match dto {
            FormatDto::Markdown => Self::Markdown,
            FormatDto::Html => Self::Html,
            FormatDto::RawHtml => Self::RawHtml,
            FormatDto::Links => Self::Links,
            FormatDto::Metadata => Self::Metadata,
        }
    }
}

impl FormatDto {
    /// The DTO of a known format.
    fn of(format: OutputFormat) -> Option<Self> {
        Some(match format {
            OutputFormat::Markdown => Self::Markdown,
            OutputFormat::Html => Self::Html,
            OutputFormat::RawHtml => Self::RawHtml,
            OutputFormat::Links => Self::Links,
            OutputFormat::Metadata => Self::Metadata,
            OutputFormat::Unspecified => return None,
        })
    }
}

impl From<AgentDto> for AgentSpec {
    fn from(dto: AgentDto) -> Self {
        Self {
            goal: dto.goal,
            // A schema sent as a JSON string is taken as the schema's text.
            output_schema: match dto.output_schema {
                serde_json::Value::String(text) => text,
                schema => schema.to_string(),
            },
            max_steps: dto.max_steps,
            max_seconds: dto.max_seconds,
            max_tokens: dto.max_tokens,
        }
    }
}

impl From<&AgentSpec> for AgentDto {
    fn from(agent: &AgentSpec) -> Self {
        Self {
            goal: agent.goal.clone(),
            output_schema: serde_json::from_str(&agent.output_schema)
                .unwrap_or_else(|_| serde_json::Value::String(agent.output_schema.clone())),
            max_steps: agent.max_steps,
            max_seconds: agent.max_seconds,
            max_tokens: agent.max_tokens,
        }
    }
}

impl From<SettleDto> for Settle {
    fn from(dto: SettleDto) -> Self {
        let rule = dto.rule.map_or(SettleRule::Unspecified, |r| match r {
            SettleRuleDto::Quiet => SettleRule::Quiet,
            SettleRuleDto::Load => SettleRule::Load,
            SettleRuleDto::NetworkIdle => SettleRule::NetworkIdle,
            SettleRuleDto::Selector => SettleRule::Selector,
            SettleRuleDto::Text => SettleRule::Text,
        });
        Self {
            rule: rule as i32,
            selector: dto.selector,
            text: dto.text,
            timeout_ms: dto.timeout_ms,
        }
    }
}

impl From<&Settle> for SettleDto {
    fn from(settle: &Settle) -> Self {
        Self {
            rule: match SettleRule::try_from(settle.rule) {
                Ok(SettleRule::Quiet) => Some(SettleRuleDto::Quiet),
                Ok(SettleRule::Load) => Some(SettleRuleDto::Load),
                Ok(SettleRule::NetworkIdle) => Some(SettleRuleDto::NetworkIdle),
                Ok(SettleRule::Selector) => Some(SettleRuleDto::Selector),
                Ok(SettleRule::Text) => Some(SettleRuleDto::Text),
                _ => None,
            },
            selector: settle.selector.clone(),
            text: settle.text.clone(),
            timeout_ms: settle.timeout_ms,
        }
    }
}

impl From<&JobSpec> for JobSpecDto {
    fn from(spec: &JobSpec) -> Self {
        Self {
            urls: spec.urls.clone(),
            steps: spec.steps.iter().map(StepDto::from).collect(),
            extract: spec.extract.iter().map(ExtractRuleDto::from).collect(),
            render: match RenderMode::try_from(spec.render) {
                Ok(RenderMode::Http) => Some(RenderDto::Http),
                Ok(RenderMode::Browser) => Some(RenderDto::Browser),
                Ok(RenderMode::Auto) => Some(RenderDto::Auto),
                _ => None,
            },
            timeout_ms: spec.timeout_ms,
            labels: spec
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            webhook_url: spec.webhook_url.clone(),
            data_subject: spec.data_subject.clone(),
            settle: spec.settle.as_ref().map(SettleDto::from),
            agent: spec.agent.as_ref().map(AgentDto::from),
            formats: spec
                .formats
                .iter()
                .filter_map(|&f| OutputFormat::try_from(f).ok())
                .filter_map(FormatDto::of)
                .collect(),
            crawl: spec.crawl.as_ref().map(super::crawl::CrawlDto::from),
        }
    }
}

impl From<ExtractRuleDto> for ExtractRule {
    fn from(dto: ExtractRuleDto) -> Self {
        let kind = dto.kind.map_or(ExtractKind::Unspecified, |k| match k {
            ExtractKindDto::Text => ExtractKind::Text,
            ExtractKindDto::Attribute => ExtractKind::Attribute,
            ExtractKindDto::Html => ExtractKind::Html,
        });
        Self {
            name: dto.name,
            selector: dto.selector,
            kind: kind as i32,
            attribute: dto.attribute,
            many: dto.many,
            required: dto.required,
        }
    }
}

impl From<&ExtractRule> for ExtractRuleDto {
    fn from(rule: &ExtractRule) -> Self {
        Self {
            name: rule.name.clone(),
            selector: rule.selector.clone(),
            kind: match ExtractKind::try_from(rule.kind) {
                Ok(ExtractKind::Text) => Some(ExtractKindDto::Text),
                Ok(ExtractKind::Attribute) => Some(ExtractKindDto::Attribute),
                Ok(ExtractKind::Html) => Some(ExtractKindDto::Html),
                _ => None,
            },
            attribute: rule.attribute.clone(),
            many: rule.many,
            required: rule.required,
        }
    }
}

impl From<StepDto> for Step {
    fn from(dto: StepDto) -> Self {
        let kind = dto.kind.map(|kind| match kind {
            StepKindDto::Navigate(v) => Kind::Navigate(Navigate { url: v.url }),
            StepKindDto::WaitFor(v) => Kind::WaitFor(WaitForSelector {
                selector: v.selector,
            }),
            StepKindDto::WaitForText(v) => Kind::WaitForText(WaitForText {
                text: v.text,
                selector: v.selector,
            }),
            StepKindDto::Click(v) => Kind::Click(Click {
                selector: v.selector,
            }),
            StepKindDto::Type(v) => Kind::Type(TypeText {
                selector: v.selector,
                text: v.text,
            }),
            StepKindDto::Scroll(v) => Kind::Scroll(Scroll {
                selector: v.selector,
                pixels: v.pixels,
            }),
            StepKindDto::Extract(v) => Kind::Extract(ExtractNow { rules: v.rules }),
            StepKindDto::Screenshot(v) => Kind::Screenshot(Screenshot {
                name: v.name,
                full_page: v.full_page,
            }),
        });
        Self {
            kind,
            timeout_ms: dto.timeout_ms,
        }
    }
}

impl From<&Step> for StepDto {
    fn from(step: &Step) -> Self {
        let kind = step.kind.clone().map(|kind| match kind {
            Kind::Navigate(v) => StepKindDto::Navigate(NavigateDto { url: v.url }),
            Kind::WaitFor(v) => StepKindDto::WaitFor(SelectorDto {
                selector: v.selector,
            }),
            Kind::WaitForText(v) => StepKindDto::WaitForText(WaitForTextDto {
                text: v.text,
                selector: v.selector,
            }),
            Kind::Click(v) => StepKindDto::Click(SelectorDto {
                selector: v.selector,
            }),
            Kind::Type(v) => StepKindDto::Type(TypeDto {
                selector: v.selector,
                text: v.text,
            }),
            Kind::Scroll(v) => StepKindDto::Scroll(ScrollDto {
                selector: v.selector,
                pixels: v.pixels,
            }),
            Kind::Extract(v) => StepKindDto::Extract(ExtractNowDto { rules: v.rules }),
            Kind::Screenshot(v) => StepKindDto::Screenshot(ScreenshotDto {
                name: v.name,
                full_page: v.full_page,
            }),
        });
        Self {
            kind,
            timeout_ms: step.timeout_ms,
        }
    }
}
