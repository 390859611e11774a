//! Scenario 8, run only when named (`--only agent`): agent jobs with the real local model
//! (`scripts/setup-llm.sh`), on the worker's agent browser in Chromium over the fixture
//! shop. Each shop goal is one row: turns, steps, tokens, seconds per job, and the
//! model's own share of them. The baseline, measured in the same repeat, is the model
//! alone: one completion of a prompt the size of a first turn, with no browser, which
//! gives the model's own speed; the ratio compares the share of wall time the model
//! works, so what the browser and the loop add is the gap.

use std::time::Instant;

use anyhow::{Context as _, bail};
use jetcrawl_agent::{AgentLimits, Outcome, OutputSchema, Task};
use jetcrawl_tests::LlamaServer;
use jetcrawl_tests::agent_rig::{ModelTime, Rig, shop_goals};
use serde_json::{Value, json};

use crate::report::Measured;
use crate::stack::BenchStack;

/// Scenario id.
pub const SCENARIO: &str = "agent";

/// Compared metric: the model's own seconds over the wall time.
const MODEL_SHARE: &str = "model_share";

/// Words of the baseline prompt: about 900 tokens, an agent's first turn on the shop
/// (system prompt, tool definitions and a product page: 905 tokens).
const BASELINE_PROMPT_WORDS: usize = 310;

/// Runs the baseline, then each shop goal once.
pub async fn run(stack: &BenchStack) -> anyhow::Result<Vec<Measured>> {
    let model = LlamaServer::start().await?;
    let mut rows = vec![baseline(&model).await?];
    let rig = Rig::start(&stack.site).await;
    for goal in shop_goals() {
        let task = Task {
            goal: goal.goal.to_owned(),
            start_url: stack.site.url("/shop/kettle"),
            output: OutputSchema::compile(goal.schema.clone())?,
            limits: AgentLimits {
                max_steps: 8,
                max_seconds: 300,
                ..AgentLimits::default()
            },
        };
        let started = Instant::now();
        let (outcome, journal) = rig.run(&task, model.client()).await;
        let seconds = started.elapsed().as_secs_f64();
        let Outcome::Answered { usage, .. } = outcome else {
            bail!("agent goal {:?} was not answered: {outcome:?}", goal.name);
        };
        let time = ModelTime::of(&journal);
        rows.push(
            Measured::new(
                SCENARIO,
                format!("agent.{}", goal.name),
                format!("goal {:?}: {}", goal.name, goal.goal),
            )
            .against("agent.model", MODEL_SHARE)
            .with("turns", f64::from(usage.turns))
            .with("steps", f64::from(usage.steps))
            .with("prompt_tokens", usage.prompt_tokens as f64)
            .with("prompt_tokens_read", time.read)
            .with("completion_tokens", usage.completion_tokens as f64)
            .with("seconds", seconds)
            .with("model_seconds", time.seconds())
            .with(MODEL_SHARE, time.seconds() / seconds),
        );
    }
    Ok(rows)
}

/// The model alone: one completion of a first-turn-sized prompt, writing 64 tokens.
async fn baseline(model: &LlamaServer) -> anyhow::Result<Measured> {
    let words: Vec<String> = (0..BASELINE_PROMPT_WORDS)
        .map(|n| format!("kettle{}", n % 97))
        .collect();
    let body = json!({
        "model": "baseline",
        "temperature": 0.0,
        "max_tokens": 64,
        "ignore_eos": true,
        "cache_prompt": false,
        "messages": [{"role": "user", "content": words.join(" ")}],
    });
    let started = Instant::now();
    let reply: Value = reqwest::Client::new()
        .post(format!("{}/chat/completions", model.base_url()))
        .json(&body)
        .send()
        .await
        .context("the baseline completion")?
        .error_for_status()?
        .json()
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut time = ModelTime::default();
    time.add(&reply["timings"]);
    Ok(Measured::new(
        SCENARIO,
        "agent.model",
        "the model alone: one completion of a first-turn-sized prompt, no browser",
    )
    .with("prompt_tokens", time.read)
    .with("prompt_tokens_read", time.read)
    .with("completion_tokens", time.wrote)
    .with("seconds", seconds)
    .with("model_seconds", time.seconds())
    .with("prompt_tokens_per_s", time.read_per_s())
    .with("generation_tokens_per_s", time.wrote_per_s())
    .with(MODEL_SHARE, time.seconds() / seconds))
}
