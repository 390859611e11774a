//! `jetcrawl submit <url>... [--spec job.yaml] [flags] [--wait]`.

use std::time::Duration;

use anyhow::Context;
use jetcrawl_proto::v1::{JobState, SubmitJobRequest, SubmitJobResponse};
use serde_json::json;
use tonic::Code;

use super::result_fetch::{Downloader, signed};
use super::{client, get, status_error, watch};
use crate::args::{Global, Output, SubmitArgs};
use crate::{output, spec};

/// Attempts of one submit while the gateway answers UNAVAILABLE (an outcome it could
/// not confirm): safe because every attempt carries the same idempotency key.
const SUBMIT_ATTEMPTS: u32 = 4;
/// Wait before the first retry; doubles after each.
const FIRST_RETRY: Duration = Duration::from_millis(250);

pub async fn run(global: &Global, args: SubmitArgs) -> anyhow::Result<()> {
    let spec = spec::build(&args)?;
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
        Output::Json if !args.wait => outln!(
            "{}",
            json!({"job_id": submitted.job_id, "stream_sequence": submitted.stream_sequence, "duplicate": submitted.duplicate, "idempotency_key": key})
        ),
        Output::Json => {}
        Output::Text => outln!("{}", submitted.job_id),
    }
    if !args.wait {
        return Ok(());
    }
    let followed = watch::follow(global, &submitted.job_id).await?;
    let job = get::job(global, &submitted.job_id).await?;
    if followed.state != JobState::Succeeded as i32 {
        if global.output == Output::Text {
            outln!("{}", output::job_text(&job));
        }
        return followed.ended_well(&submitted.job_id, Some(&job));
    }
    let files = signed(&mut jobs, &submitted.job_id, 0).await?;
    let data = match &files.result {
        Some(file) => {
            let bytes = Downloader::new(global)?.fetch(file).await?;
            Some(
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .with_context(|| format!("the result of job {} is not JSON", job.job_id))?,
            )
        }
        None => None,
    };
    match global.output {
        Output::Json => outln!(
            "{}",
            json!({"job": output::job_json(&job), "result": data, "idempotency_key": key})
        ),
        Output::Text => {
            outln!("{}", output::job_text(&job));
            if let Some(data) = data {
                outln!("{}", serde_json::to_string_pretty(&data)?);
            }
        }
    }
    Ok(())
}

/// Submits, retrying an unconfirmed outcome with the same key: a retry answers with the
/// job if the first attempt was recorded, and records it once otherwise.
pub(crate) async fn submit_with_retries(
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
