//! `jetcrawl submit <url>... [--render] [--extract name=selector]... [--wait]`.

use std::time::Duration;

use anyhow::{Context, bail};
use jetcrawl_proto::v1::{
    ExtractKind, ExtractRule, GetJobRequest, JobSpec, JobState, RenderMode, SubmitJobRequest,
    SubmitJobResponse,
};
use serde_json::json;
use tonic::Code;

use super::{client, result, status_error, watch};
use crate::args::{Global, Output, Render, SubmitArgs};
use crate::output;

/// Attempts of one submit while the gateway answers UNAVAILABLE (an outcome it could
/// not confirm): safe because every attempt carries the same idempotency key.
const SUBMIT_ATTEMPTS: u32 = 4;
/// Wait before the first retry; doubles after each.
const FIRST_RETRY: Duration = Duration::from_millis(250);

pub async fn run(global: &Global, args: SubmitArgs) -> anyhow::Result<()> {
    let spec = spec_from(&args)?;
    let key = args
        .idempotency_key
        .clone()
        .unwrap_or_else(|| format!("cli-{}", uuid::Uuid::new_v4()));
    let mut jobs = client(global).await?;
    let request = SubmitJobRequest {
        spec: Some(spec),
        idempotency_key: key.clone(),
    };
    let submitted = submit_with_retries(&mut jobs, request).await?;
    match global.output {
        Output::Json if !args.wait => println!(
            "{}",
            json!({"job_id": submitted.job_id, "stream_sequence": submitted.stream_sequence, "duplicate": submitted.duplicate, "idempotency_key": key})
        ),
        Output::Json => {}
        Output::Text => println!("{}", submitted.job_id),
    }
    if !args.wait {
        return Ok(());
    }
    watch::follow(global, &submitted.job_id).await?;
    let job = jobs
        .get_job(GetJobRequest {
            job_id: submitted.job_id.clone(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let data = match &job.result {
        Some(r) => Some(result::fetch(&global.nats_url, &r.result_key).await?),
        None => None,
    };
    match global.output {
        Output::Json => println!("{}", json!({"job": output::job_json(&job), "result": data})),
        Output::Text => {
            println!("{}", output::job_text(&job));
            if let Some(data) = data {
                println!("{}", serde_json::to_string_pretty(&data)?);
            }
        }
    }
    if job.state != JobState::Succeeded as i32 {
        bail!("job {} ended {}", job.job_id, output::state_name(job.state));
    }
    Ok(())
}

/// Submits, retrying an unconfirmed outcome with the same key: a retry answers with the
/// job if the first attempt was recorded, and records it once otherwise.
async fn submit_with_retries(
    jobs: &mut super::Jobs,
    request: SubmitJobRequest,
) -> anyhow::Result<SubmitJobResponse> {
    let mut wait = FIRST_RETRY;
    let mut attempt = 1;
    loop {
        match jobs.submit_job(request.clone()).await {
            Ok(answer) => return Ok(answer.into_inner()),
            Err(status) if status.code() == Code::Unavailable && attempt < SUBMIT_ATTEMPTS => {
                eprintln!(
                    "submit not confirmed ({}); retrying in {} ms with the same idempotency key",
                    status.message(),
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            Err(status) => return Err(status_error(status)),
        }
    }
}

fn spec_from(args: &SubmitArgs) -> anyhow::Result<JobSpec> {
    let extract = args
        .extract
        .iter()
        .map(|raw| rule_from(raw))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(JobSpec {
        urls: args.urls.clone(),
        extract,
        render: match args.render {
            Render::Http => RenderMode::Http,
            Render::Browser => RenderMode::Browser,
            Render::Auto => RenderMode::Auto,
        } as i32,
        timeout_ms: args.timeout_ms,
        ..Default::default()
    })
}

/// `name=selector` (first match) or `name[]=selector` (every match).
fn rule_from(raw: &str) -> anyhow::Result<ExtractRule> {
    let (name, selector) = raw
        .split_once('=')
        .with_context(|| format!("--extract {raw:?}: expected NAME=SELECTOR, e.g. title=h1"))?;
    let (name, many) = match name.strip_suffix("[]") {
        Some(stripped) => (stripped, true),
        None => (name, false),
    };
    Ok(ExtractRule {
        name: name.to_owned(),
        selector: selector.to_owned(),
        kind: ExtractKind::Text as i32,
        many,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::rule_from;

    #[test]
    fn extract_flags_parse_single_and_many() {
        let single = rule_from("title=h1#main").expect("parses");
        assert_eq!(
            (single.name.as_str(), single.selector.as_str(), single.many),
            ("title", "h1#main", false)
        );
        let many = rule_from("items[]=li.item").expect("parses");
        assert_eq!((many.name.as_str(), many.many), ("items", true));
        let err = rule_from("title").expect_err("no selector");
        assert!(err.to_string().contains("expected NAME=SELECTOR"), "{err}");
    }
}
