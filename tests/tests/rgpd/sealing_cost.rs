//! What sealing costs a submit, measured in the same run: the same sequential submits
//! against a gateway that seals (the default) and one started with
//! `JETCRAWL_DEV_UNSEALED_SUBMITS=true`, interleaved in rounds so both see the same
//! machine load. Prints the figures; asserts only what each gateway stored.

use std::time::{Duration, Instant};

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobSpec, RenderMode, SubmitJobRequest};
use jetcrawl_tests::{JobsApiClient, Stack};

const ROUNDS: usize = 6;
const PER_ROUND: usize = 25;

#[tokio::test(flavor = "multi_thread")]
async fn sealing_cost_is_measured_against_unsealed_submits() -> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let stack = Stack::start().await?;
    let quota = [
        ("JETCRAWL_QUOTA_SUBMITS_PER_SEC", "100000"),
        ("JETCRAWL_QUOTA_SUBMIT_BURST", "100000"),
    ];
    let sealed = stack.spawn_gateway_with(&quota).await?;
    let mut plain_env = quota.to_vec();
    plain_env.push(("JETCRAWL_DEV_UNSEALED_SUBMITS", "true"));
    let plain = stack.spawn_gateway_with(&plain_env).await?;
    let (sealed_jobs, plain_jobs) = (sealed.jobs().await?, plain.jobs().await?);
    let url = stack.site.url("/static?customer=measure");
    // Warm both (connections, the pepper, JIT paths of the server).
    submit(&sealed_jobs, &url, "warm").await?;
    submit(&plain_jobs, &url, "warm").await?;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    let (mut sealed_id, mut plain_id) = (String::new(), String::new());
    for round in 0..ROUNDS {
        for i in 0..PER_ROUND {
            let subject = format!("s-{round}-{i}");
            let started = Instant::now();
            sealed_id = submit(&sealed_jobs, &url, &subject).await?;
            with.push(started.elapsed());
            let started = Instant::now();
            plain_id = submit(&plain_jobs, &url, &subject).await?;
            without.push(started.elapsed());
        }
    }
    let (w, wo) = (Figures::of(&mut with), Figures::of(&mut without));
    eprintln!(
        "submit latency over gRPC, {} sequential submits each (ms): sealed p50 {:.2} p95 {:.2} mean {:.2} | \
         unsealed p50 {:.2} p95 {:.2} mean {:.2} | cost p50 {:+.2} ms",
        with.len(),
        w.p50,
        w.p95,
        w.mean,
        wo.p50,
        wo.p95,
        wo.mean,
        w.p50 - wo.p50
    );

    // Each gateway stored what it says: sealed fields with a subject ref, or plain ones.
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "rgpd-cost").await?;
    let store = jetcrawl_streams::EventStore::open(js).await?;
    let submitted = |history: Vec<jetcrawl_streams::RecordedEvent>| {
        history.into_iter().find_map(|e| match e.event.payload {
            Some(Payload::JobSubmitted(s)) => Some(s),
            _ => None,
        })
    };
    let s = submitted(store.history(&sealed_id).await?).expect("sealed submit");
    let u = submitted(store.history(&plain_id).await?).expect("plain submit");
    assert!(
        !s.subject_ref.is_empty() && s.spec.unwrap_or_default().urls[0].starts_with("sealed:v1:")
    );
    assert!(u.subject_ref.is_empty() && u.spec.unwrap_or_default().urls[0] == url);
    Ok(())
}

async fn submit(jobs: &JobsApiClient, url: &str, subject: &str) -> anyhow::Result<String> {
    let spec = JobSpec {
        urls: vec![url.to_owned()],
        render: RenderMode::Http as i32,
        data_subject: subject.to_owned(),
        ..JobSpec::default()
    };
    let request = SubmitJobRequest {
        spec: Some(spec),
        idempotency_key: String::new(),
    };
    Ok(jobs.clone().submit_job(request).await?.into_inner().job_id)
}

struct Figures {
    p50: f64,
    p95: f64,
    mean: f64,
}

impl Figures {
    fn of(samples: &mut [Duration]) -> Self {
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| ms(samples[((samples.len() as f64 - 1.0) * q).round() as usize]);
        let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
        Self {
            p50: at(0.5),
            p95: at(0.95),
            mean,
        }
    }
}
