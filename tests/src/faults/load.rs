//! Steady submit load, as clients see it: each submission carries its own idempotency
//! key and ends recorded as ok (with the job id), error (a definite refusal) or unknown
//! (no answer, or UNAVAILABLE: it may or may not have been stored).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jetcrawl_proto::v1::{JobSpec, SubmitJobRequest};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tonic::Code;

use crate::auth::jobs_client;

/// How one submission ended, from the client's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Acknowledged: the job id the gateway answered.
    Ok(String),
    /// Refused for certain (invalid, denied, over quota): nothing was stored.
    Error(String),
    /// No confirmation either way.
    Unknown(String),
}

/// One submission and how it ended.
#[derive(Debug, Clone)]
pub struct Submission {
    /// Its idempotency key.
    pub key: String,
    /// How it ended.
    pub outcome: Outcome,
    /// When it was sent, from the start of the load.
    pub sent_after: Duration,
}

/// A running load; [`Load::stop`] returns every submission.
pub struct Load {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    records: Arc<Mutex<Vec<Submission>>>,
}

/// Deadline of one submit, as a client would set it.
const SUBMIT_DEADLINE: Duration = Duration::from_secs(5);
/// Submits in flight at most.
const IN_FLIGHT: usize = 64;

impl Load {
    /// Submits `spec(n)` to `grpc_url` at `per_second`, keys prefixed with `prefix`.
    pub fn start(
        grpc_url: String,
        api_key: String,
        per_second: u32,
        prefix: &str,
        spec: impl Fn(u64) -> JobSpec + Send + Sync + 'static,
    ) -> Self {
        let stop = CancellationToken::new();
        let records = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(run(
            grpc_url,
            api_key,
            per_second.max(1),
            prefix.to_owned(),
            Arc::new(spec),
            stop.clone(),
            records.clone(),
        ));
        Self {
            stop,
            task,
            records,
        }
    }

    /// Submissions so far.
    pub fn count(&self) -> usize {
        self.records.lock().map(|r| r.len()).unwrap_or_default()
    }

    /// Stops sending, waits for the submits in flight, returns every submission.
    pub async fn stop(self) -> Vec<Submission> {
        self.stop.cancel();
        let _ = self.task.await;
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

async fn run(
    grpc_url: String,
    api_key: String,
    per_second: u32,
    prefix: String,
    spec: Arc<dyn Fn(u64) -> JobSpec + Send + Sync>,
    stop: CancellationToken,
    records: Arc<Mutex<Vec<Submission>>>,
) {
    let started = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / per_second);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut in_flight = JoinSet::new();
    let mut n = 0u64;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        while in_flight.len() >= IN_FLIGHT {
            in_flight.join_next().await;
        }
        n += 1;
        let key = format!("{prefix}-{n}");
        let request = SubmitJobRequest {
            spec: Some(spec(n)),
            idempotency_key: key.clone(),
        };
        let (url, token, records) = (grpc_url.clone(), api_key.clone(), records.clone());
        let sent_after = started.elapsed();
        in_flight.spawn(async move {
            let outcome = submit_once(&url, &token, request).await;
            if let Ok(mut records) = records.lock() {
                records.push(Submission {
                    key,
                    outcome,
                    sent_after,
                });
            }
        });
    }
    while in_flight.join_next().await.is_some() {}
}

/// One submit with a client deadline, classified.
pub async fn submit_once(grpc_url: &str, token: &str, request: SubmitJobRequest) -> Outcome {
    let attempt = async {
        let mut client = jobs_client(grpc_url, token)
            .await
            .map_err(|err| Outcome::Error(format!("no connection: {err:#}")))?;
        let mut request = tonic::Request::new(request);
        request.set_timeout(SUBMIT_DEADLINE);
        client
            .submit_job(request)
            .await
            .map(|answer| Outcome::Ok(answer.into_inner().job_id))
            .map_err(|status| classify(&status))
    };
    match tokio::time::timeout(SUBMIT_DEADLINE + Duration::from_secs(1), attempt).await {
        Ok(Ok(outcome) | Err(outcome)) => outcome,
        Err(_) => Outcome::Unknown("no answer within the client deadline".to_owned()),
    }
}

/// A definite refusal, or an outcome the client cannot know.
fn classify(status: &tonic::Status) -> Outcome {
    let text = format!("{:?}: {}", status.code(), status.message());
    match status.code() {
        Code::InvalidArgument
        | Code::PermissionDenied
        | Code::Unauthenticated
        | Code::ResourceExhausted
        | Code::AlreadyExists
        | Code::FailedPrecondition
        | Code::NotFound => Outcome::Error(text),
        _ => Outcome::Unknown(text),
    }
}
