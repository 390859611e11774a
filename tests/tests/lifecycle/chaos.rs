//! Done means 5: 1,000 jobs submitted while workers are SIGKILLed and restarted at
//! random. Every job ends terminal with exactly one terminal event (its last), there is
//! exactly one projection row per job, and no job ever ran twice at once.
//!
//! "Never twice at once", checked on the stream: walking a job's events, a run opens at
//! JobStarted and closes at its own outcome (JobAttemptFailed / JobSucceeded, recorded
//! by the same worker for the same attempt). A JobStarted — or any event by another
//! worker — while a run is open is a takeover, allowed only when the open run's worker
//! had been killed before that event happened.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_streams::RecordedEvent;
use jetcrawl_streams::subjects::{JOBS_ALL, JOBS_STREAM};
use jetcrawl_tests::{Worker, eventually_every};
use tokio::sync::Mutex;

use crate::lifecycle::support::{Platform, http_spec};

const JOBS: usize = 1_000;
const WORKERS: usize = 3;

fn worker_env() -> Vec<(&'static str, &'static str)> {
    vec![("JETCRAWL_BROWSER_TABS", "8")]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_jobs_survive_random_worker_kills() {
    let started = Instant::now();
    let platform = Arc::new(Platform::start().await.expect("platform starts"));
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        workers.push(platform.worker(&worker_env()).await.expect("worker"));
    }
    let workers = Arc::new(Mutex::new(workers));
    let kills: Arc<Mutex<HashMap<String, DateTime<Utc>>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let chaos = tokio::spawn(chaos(
        platform.clone(),
        workers.clone(),
        kills.clone(),
        stop.clone(),
    ));

    let client = platform.jobs().await.expect("client");
    let job_ids: Vec<String> = futures::stream::iter(0..JOBS)
        .map(|n| {
            let mut client = client.clone();
            let spec = http_spec(vec![
                platform.stack.site.url(&format!("/slow?ms=200&n={n}")),
            ]);
            async move {
                let request = jetcrawl_proto::v1::SubmitJobRequest {
                    spec: Some(spec),
                    idempotency_key: format!("chaos-{n}"),
                };
                // The tenant's submit quota pushes back; a client retries with its key.
                loop {
                    match client.submit_job(request.clone()).await {
                        Ok(response) => break response.into_inner().job_id,
                        Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(status) => panic!("submit {n}: {status}"),
                    }
                }
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let submitted_in = started.elapsed();

    let pool = platform.stack.pg_pool().await.expect("postgres");
    eventually_every(
        Duration::from_secs(100),
        Duration::from_millis(500),
        || async {
            let terminal: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled')",
            )
            .fetch_one(&pool)
            .await?;
            anyhow::ensure!(terminal as usize == JOBS, "{terminal} of {JOBS} terminal");
            Ok(())
        },
    )
    .await
    .expect("every job ends");
    stop.store(true, Ordering::Relaxed);
    chaos.await.expect("chaos task");
    let kills = kills.lock().await.clone();

    let rows: Vec<(String, String)> = sqlx::query_as("SELECT job_id, status FROM jobs")
        .fetch_all(&pool)
        .await
        .expect("rows");
    let row_ids: HashSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(rows.len(), JOBS, "one projection row per job");
    assert!(job_ids.iter().all(|id| row_ids.contains(id.as_str())));

    let histories = all_histories(&platform).await;
    assert_eq!(histories.len(), JOBS);
    let mut takeovers = 0;
    let mut failed = 0;
    for (job_id, history) in &histories {
        let terminal: Vec<usize> = history
            .iter()
            .enumerate()
            .filter(|(_, e)| is_terminal(e))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            terminal,
            [history.len() - 1],
            "job {job_id}: one terminal event, last: {history:#?}"
        );
        failed += usize::from(matches!(
            history.last().and_then(|e| e.payload()),
            Some(Payload::JobFailed(_))
        ));
        takeovers += check_runs(job_id, history, &kills);
    }
    eprintln!(
        "chaos: {JOBS} jobs submitted in {submitted_in:?}, all terminal after {:?}; {} workers killed, {takeovers} takeovers, {failed} failed (attempts used up by kills)",
        started.elapsed(),
        kills.len()
    );
    assert!(
        kills.len() >= 3,
        "the test must actually kill workers ({} kills)",
        kills.len()
    );
    assert!(takeovers >= 1, "kills must hit running jobs");
}

fn is_terminal(event: &RecordedEvent) -> bool {
    matches!(
        event.payload(),
        Some(Payload::JobSucceeded(_) | Payload::JobFailed(_) | Payload::JobCancelled(_))
    )
}

/// Checks that no run of the job overlapped another; returns the takeovers seen.
fn check_runs(
    job_id: &str,
    history: &[RecordedEvent],
    kills: &HashMap<String, DateTime<Utc>>,
) -> usize {
    let mut open: Option<(String, u32)> = None;
    let mut takeovers = 0;
    for event in history {
        let actor = event
            .event
            .actor
            .strip_prefix("worker:")
            .unwrap_or_default();
        let at = event.occurred_at();
        let takeover = |open: &Option<(String, u32)>| {
            if let Some((holder, attempt)) = open
                && holder != actor
            {
                let killed = kills.get(holder).copied();
                assert!(
                    killed.is_some_and(|k| k <= at),
                    "job {job_id}: {} by {actor} at {at} while attempt {attempt} of live worker {holder} (killed: {killed:?}) was running",
                    event.event.event_type
                );
                return true;
            }
            false
        };
        match event.payload() {
            Some(Payload::JobStarted(s)) => {
                if open.is_some() {
                    assert!(
                        takeover(&open),
                        "job {job_id}: worker {actor} started twice"
                    );
                    takeovers += 1;
                }
                open = Some((s.worker_id.clone(), s.attempt));
            }
            Some(Payload::JobSucceeded(s)) => {
                assert_eq!(
                    open.as_ref().map(|(w, a)| (w.as_str(), *a)),
                    Some((actor, s.attempt)),
                    "job {job_id}: success from a run that is not open"
                );
                open = None;
            }
            Some(Payload::JobAttemptFailed(f)) => {
                assert_eq!(
                    open.as_ref().map(|(w, a)| (w.as_str(), *a)),
                    Some((actor, f.attempt)),
                    "job {job_id}: failure from a run that is not open"
                );
                open = None;
            }
            Some(Payload::JobDeadLettered(_) | Payload::JobFailed(_)) => {
                takeover(&open);
                open = None;
            }
            _ => {}
        }
    }
    takeovers
}

/// Kills a random worker every 0.5–1.5 s and starts a replacement, until `stop`.
async fn chaos(
    platform: Arc<Platform>,
    workers: Arc<Mutex<Vec<Worker>>>,
    kills: Arc<Mutex<HashMap<String, DateTime<Utc>>>>,
    stop: Arc<AtomicBool>,
) {
    let mut seed = Utc::now().timestamp_subsec_nanos() as u64 | 1;
    let mut next = move |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(500 + next(1_000))).await;
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut workers = workers.lock().await;
        let index = next(workers.len() as u64) as usize;
        let mut victim = workers.swap_remove(index);
        victim.process.kill();
        kills
            .lock()
            .await
            .insert(victim.worker_id.clone(), Utc::now());
        workers.push(
            platform
                .worker(&worker_env())
                .await
                .expect("replacement worker"),
        );
    }
}

/// Every event of the stream, grouped by job, in order.
async fn all_histories(platform: &Platform) -> HashMap<String, Vec<RecordedEvent>> {
    let (_client, js) = jetcrawl_streams::connect(&platform.stack.nats_url(), "chaos-read")
        .await
        .expect("connect");
    let mut stream = js.get_stream(JOBS_STREAM).await.expect("JOBS");
    let last = stream.info().await.expect("info").state.last_sequence;
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: JOBS_ALL.to_owned(),
            ..Default::default()
        })
        .await
        .expect("ordered consumer");
    let mut messages = consumer.messages().await.expect("messages");
    let mut histories: HashMap<String, Vec<RecordedEvent>> = HashMap::new();
    while let Some(message) = messages.next().await {
        let message = message.expect("message");
        let sequence = message.info().expect("info").stream_sequence;
        let recorded =
            jetcrawl_streams::envelope::decode(sequence, &message.payload).expect("decodes");
        histories
            .entry(recorded.event.job_id.clone())
            .or_default()
            .push(recorded);
        if sequence >= last {
            break;
        }
    }
    histories
}
