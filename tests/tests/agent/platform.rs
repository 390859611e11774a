//! Agent jobs through the whole platform (issue 16): submitted to the gateway, run by a
//! worker whose model is the scripted stub, journalled as events sealed under the job's
//! subject key, answered in the result, and counted in the read models.

use std::time::Duration;

use anyhow::Context as _;
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{AgentSpec, Job, JobSpec, JobState, RenderMode};
use jetcrawl_streams::topology::RESULTS_BUCKET;
use jetcrawl_streams::{EventStore, RecordedEvent};
use jetcrawl_tests::llm_stub::{STUB_COMPLETION_TOKENS, STUB_PROMPT_TOKENS};
use jetcrawl_tests::{FixtureSite, LlmStub, Scripted, Stack, eventually, jobs};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt as _;

const GOAL: &str = "Find the kettle's price, delivery time and stock";

fn agent_spec(start_url: String) -> JobSpec {
    let schema = json!({
        "type": "object",
        "properties": {
            "price": {"type": "number"},
            "delivery": {"type": "string"},
            "stock": {"type": "integer"},
        },
        "required": ["price", "delivery", "stock"],
    });
    JobSpec {
        urls: vec![start_url],
        agent: Some(AgentSpec {
            goal: GOAL.to_owned(),
            output_schema: schema.to_string(),
            max_steps: 6,
            max_seconds: 60,
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn history(stack: &Stack, job_id: &str) -> anyhow::Result<Vec<RecordedEvent>> {
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "agent-e2e").await?;
    Ok(EventStore::open(js).await?.history(job_id).await?)
}

async fn result(stack: &Stack, job: &Job) -> anyhow::Result<Value> {
    let key = &job.result.as_ref().context("no result")?.result_key;
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "agent-e2e").await?;
    let mut object = js.get_object_store(RESULTS_BUCKET).await?.get(key).await?;
    let mut bytes = Vec::new();
    object.read_to_end(&mut bytes).await?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// The first payload of `history` that `pick` takes, or an error naming `what`.
fn first<T>(
    history: &[RecordedEvent],
    what: &str,
    pick: impl Fn(&Payload) -> Option<T>,
) -> anyhow::Result<T> {
    history
        .iter()
        .find_map(|e| e.payload().and_then(&pick))
        .with_context(|| format!("no {what} in the history"))
}

fn event_types(history: &[RecordedEvent]) -> Vec<&str> {
    history
        .iter()
        .map(|e| e.event.event_type.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_job_answers_through_the_platform_with_a_sealed_journal_and_counted_tokens()
-> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let site = FixtureSite::start()?;
    let answer = json!({"price": 39.9, "delivery": "2 working days", "stock": 12});
    // The product page numbers: [1] Home, [2] Show stock, [3] Reviews, [4] Staff notes.
    // The same two replies for the job submitted over gRPC, then for the CLI's.
    let replies = [
        Scripted::call("click", json!({"element": 2})),
        Scripted::call("finish", json!({ "answer": answer })),
    ];
    let stub = LlmStub::start(replies.iter().chain(&replies).cloned().collect())?;
    let stack = Stack::start().await?;
    let gateway = stack.spawn_gateway().await?;
    let worker = stack
        .spawn_worker(&[
            ("JETCRAWL_MODEL_BASE_URL", &stub.base_url()),
            ("JETCRAWL_MODEL", "stub"),
        ])
        .await?;
    let _projector = stack.spawn_projector().await?;
    let client = gateway.jobs().await?;

    let job_id = jobs::submit(&client, agent_spec(site.url("/shop/kettle"))).await?;
    let job = jobs::wait_terminal(&client, &job_id, Duration::from_secs(90)).await?;
    assert_eq!(
        job.state,
        JobState::Succeeded as i32,
        "{job:?}\nworker log:\n{}",
        worker.process.log()
    );
    assert_eq!(
        job.spec.as_ref().map(|s| s.render),
        Some(RenderMode::Browser as i32),
        "an agent job is a browser job"
    );
    let document = result(&stack, &job).await?;
    assert_eq!(document["agent"]["answer"], answer, "{document:#}");
    assert_eq!(document["agent"]["turns"], 2);
    assert_eq!(document["mode_used"], "browser");

    let history = history(&stack, &job_id).await?;
    assert_eq!(
        event_types(&history),
        [
            "JobSubmitted",
            "JobStarted",
            "StepExecuted",
            "AgentTurn",
            "StepExecuted",
            "AgentTurn",
            "StepExecuted",
            "AgentFinished",
            "JobSucceeded",
        ]
    );
    let mut tools = Vec::new();
    for event in &history {
        match event.payload() {
            Some(Payload::AgentTurn(turn)) => {
                assert!(
                    turn.raw_reply.starts_with("sealed:v1:") && !turn.raw_reply.contains("click"),
                    "the model's reply quotes pages: sealed under the subject key, got {}",
                    turn.raw_reply
                );
                assert_eq!(
                    (turn.prompt_tokens, turn.completion_tokens),
                    (STUB_PROMPT_TOKENS, STUB_COMPLETION_TOKENS)
                );
            }
            Some(Payload::StepExecuted(step)) => {
                tools.push(step.tool.as_str());
                assert_eq!(step.attempt, 1);
                let expected = if step.tool == "finish" {
                    "answered"
                } else {
                    "observed"
                };
                assert_eq!(step.outcome, expected, "{step:?}");
            }
            Some(Payload::AgentFinished(finished)) => {
                assert_eq!(finished.outcome, "answered");
                assert_eq!((finished.turns, finished.steps), (2, 2));
                assert_eq!(finished.prompt_tokens, 2 * STUB_PROMPT_TOKENS);
            }
            _ => {}
        }
    }
    assert_eq!(tools, ["navigate", "click", "finish"]);
    let navigate = first(&history, "start page step", |p| match p {
        Payload::StepExecuted(s) if s.tool == "navigate" => s.step.clone(),
        _ => None,
    })?;
    assert!(
        !format!("{navigate:?}").contains("/shop/kettle"),
        "the start URL is sealed in the journal as in the spec: {navigate:?}"
    );

    // The read models: every journal event once, and the tenant's tokens.
    let pool = stack.pg_pool().await?;
    let expected_events = history.len() as i64;
    let tokens: (i64, i64, i64) = eventually(Duration::from_secs(30), || {
        let pool = pool.clone();
        let job_id = job_id.clone();
        async move {
            let events: i64 =
                sqlx::query_scalar("SELECT count(*) FROM job_events WHERE job_id = $1")
                    .bind(&job_id)
                    .fetch_one(&pool)
                    .await?;
            anyhow::ensure!(events == expected_events, "{events} events projected");
            let row: (i64, i64, i64) = sqlx::query_as(
                "SELECT agent_turns, prompt_tokens, completion_tokens FROM tenant_usage_daily \
                 WHERE tenant = $1",
            )
            .bind(jetcrawl_tests::stack::TEST_TENANT)
            .fetch_one(&pool)
            .await?;
            Ok(row)
        }
    })
    .await?;
    assert_eq!(
        tokens,
        (
            2,
            2 * STUB_PROMPT_TOKENS as i64,
            2 * STUB_COMPLETION_TOKENS as i64
        )
    );

    // `jetcrawl submit --agent GOAL --schema FILE URL --wait`: each turn is shown as it
    // happens (stderr, piped), then the answer.
    let dir = tempfile::tempdir()?;
    let schema = dir.path().join("schema.json");
    let spec = agent_spec(String::new());
    std::fs::write(
        &schema,
        &spec.agent.as_ref().context("agent")?.output_schema,
    )?;
    let bin = jetcrawl_tests::target_dir::binary_path("jetcrawl")?;
    let output = tokio::process::Command::new(bin)
        .args(["submit", "--agent", GOAL, "--schema"])
        .arg(&schema)
        .args([site.url("/shop/kettle").as_str(), "--wait"])
        .env("JETCRAWL_GATEWAY", &gateway.grpc_url)
        .env("JETCRAWL_HTTP_URL", &gateway.http_url)
        .env("JETCRAWL_API_KEY", &gateway.api_key)
        .output()
        .await?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for line in [
        "navigate → page read",
        "turn 1: click · 120 prompt + 15 completion tokens",
        "click → page read",
        "turn 2: finish",
        "finish → answer accepted",
        "answered after 2 turns, 2 steps, 270 tokens",
    ] {
        assert!(stderr.contains(line), "{line:?} not shown:\n{stderr}");
    }
    assert!(
        stdout.contains("\"stock\": 12") && stdout.contains("\"answer\""),
        "the answer is printed: {stdout}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_that_refuses_the_key_fails_the_job_for_good_and_bad_specs_are_refused()
-> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let site = FixtureSite::start()?;
    let stub = LlmStub::start(vec![Scripted::Status(401)])?;
    let stack = Stack::start().await?;
    let gateway = stack.spawn_gateway().await?;
    let _worker = stack
        .spawn_worker(&[("JETCRAWL_MODEL_BASE_URL", &stub.base_url())])
        .await?;
    let client = gateway.jobs().await?;

    // A schema that is not JSON Schema is refused at the edge, naming the field.
    let mut bad = agent_spec(site.url("/shop/kettle"));
    if let Some(agent) = bad.agent.as_mut() {
        agent.output_schema = r#"{"type": "nonsense"}"#.to_owned();
    }
    let refused = jobs::submit(&client, bad).await.expect_err("refused");
    let status = refused
        .downcast_ref::<tonic::Status>()
        .context("a gRPC status")?;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().contains("spec.agent.output_schema"),
        "{}",
        status.message()
    );

    let job_id = jobs::submit(&client, agent_spec(site.url("/shop/kettle"))).await?;
    let job = jobs::wait_terminal(&client, &job_id, Duration::from_secs(60)).await?;
    assert_eq!(job.state, JobState::Failed as i32, "{job:?}");
    let history = history(&stack, &job_id).await?;
    let finished = first(&history, "AgentFinished", |p| match p {
        Payload::AgentFinished(f) => Some(f.clone()),
        _ => None,
    })?;
    assert_eq!(
        (finished.outcome.as_str(), finished.error_class.as_str()),
        ("failed", "model_unauthorized")
    );
    let failed = first(&history, "JobFailed", |p| match p {
        Payload::JobFailed(f) => Some(f.clone()),
        _ => None,
    })?;
    assert_eq!(failed.error_class, "model_unauthorized");
    assert_eq!(failed.attempts, 1, "a refused key is not retried");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_that_runs_out_of_its_wall_time_fails_for_good_without_a_retry()
-> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let site = FixtureSite::start()?;
    // One step longer than the loop's 5 s: the page never finishes loading in time.
    let stub = LlmStub::start(vec![Scripted::call(
        "navigate",
        json!({"url": site.url("/slow?ms=9000")}),
    )])?;
    let stack = Stack::start().await?;
    let gateway = stack.spawn_gateway().await?;
    let _worker = stack
        .spawn_worker(&[("JETCRAWL_MODEL_BASE_URL", &stub.base_url())])
        .await?;
    let client = gateway.jobs().await?;
    let mut spec = agent_spec(site.url("/shop/kettle"));
    if let Some(agent) = spec.agent.as_mut() {
        agent.max_seconds = 5;
    }
    let job_id = jobs::submit(&client, spec).await?;
    let job = jobs::wait_terminal(&client, &job_id, Duration::from_secs(60)).await?;
    assert_eq!(job.state, JobState::Failed as i32, "{job:?}");
    let history = history(&stack, &job_id).await?;
    let failed = first(&history, "JobFailed", |p| match p {
        Payload::JobFailed(f) => Some(f.clone()),
        _ => None,
    })?;
    assert_eq!(failed.error_class, "agent_time_limit", "{failed:?}");
    assert_eq!(
        failed.attempts, 1,
        "the same loop would run out again: no retry"
    );
    assert!(
        failed.message.contains("agent.max_seconds"),
        "{}",
        failed.message
    );
    Ok(())
}
