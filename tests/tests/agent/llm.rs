//! A real local model (Qwen2.5-Coder-1.5B under llama-server, `scripts/setup-llm.sh`)
//! drives the worker's browser on the fixture shop from goals in words: a product page
//! read as it is, a value revealed by a click, and a value on a linked page. Each answer
//! must pass its schema and be right. Ignored by default (the install takes about ten
//! minutes); `scripts/test.sh --llm` runs them. Each prints its turns, tokens and time.

use std::time::Instant;

use jetcrawl_agent::{AgentLimits, Entry, Outcome, OutputSchema, Task};
use jetcrawl_tests::agent_rig::{ModelTime, Rig, ShopGoal, last_message, shop_goals, steps};
use jetcrawl_tests::{FixtureSite, LlamaServer, Scripted};
use serde_json::{Value, json};

/// Runs the shop goal called `name` from `/shop/kettle` with the real model.
async fn ask(name: &str) -> (Value, Vec<Entry>) {
    let ShopGoal { goal, schema, .. } = shop_goals()
        .into_iter()
        .find(|g| g.name == name)
        .expect("a shop goal");
    let path = "/shop/kettle";
    let site = FixtureSite::start().expect("fixture site");
    let rig = Rig::start(&site).await;
    let model = LlamaServer::start().await.expect("llama-server");
    let client = model.client();
    let task = Task {
        goal: goal.to_owned(),
        start_url: site.url(path),
        output: OutputSchema::compile(schema).expect("a valid schema"),
        limits: AgentLimits {
            max_steps: 8,
            max_seconds: 180,
            ..AgentLimits::default()
        },
    };
    let started = Instant::now();
    let (outcome, journal) = rig.run(&task, client).await;
    let seconds = started.elapsed().as_secs_f64();
    let Outcome::Answered { answer, usage } = outcome else {
        panic!(
            "the model answered, got {outcome:?}\n{journal:#?}\n{}",
            model.log()
        );
    };
    let model_time = ModelTime::of(&journal);
    let (prompt_rate, generation_rate) = (model_time.read_per_s(), model_time.wrote_per_s());
    eprintln!(
        "agent job {path:?}: {} turns, {} steps, {} prompt + {} completion tokens, {seconds:.1} s; \
         the model read {prompt_rate:.0} prompt tokens/s and wrote {generation_rate:.1} tokens/s",
        usage.turns, usage.steps, usage.prompt_tokens, usage.completion_tokens,
    );
    (answer, journal)
}

fn tools(journal: &[Entry]) -> Vec<String> {
    steps(journal).into_iter().map(|(tool, _)| tool).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local model: scripts/test.sh --llm"]
async fn the_model_reads_the_price_and_the_delivery_time_of_a_product() {
    let (answer, _) = ask("price").await;
    assert_eq!(answer["price_eur"], json!(39.9), "{answer}");
    let delivery = answer["delivery"].as_str().unwrap_or_default();
    assert!(delivery.contains("2 working days"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local model: scripts/test.sh --llm"]
async fn the_model_clicks_to_reveal_the_stock() {
    let (answer, journal) = ask("stock").await;
    assert_eq!(answer["in_stock"], json!(12), "{answer}");
    assert!(
        tools(&journal).contains(&"click".to_owned()),
        "the stock is only shown after a click: {journal:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local model: scripts/test.sh --llm"]
async fn the_model_follows_a_link_to_the_reviews() {
    let (answer, journal) = ask("reviews").await;
    assert_eq!(answer["rating"], json!(4.6), "{answer}");
    assert_eq!(answer["reviews"], json!(128), "{answer}");
    let went = tools(&journal);
    assert!(
        went.contains(&"click".to_owned()) || went.iter().filter(|t| *t == "navigate").count() > 1,
        "the rating is only on the reviews page: {journal:#?}"
    );
}

/// Tokens of `text` for the model, by llama-server's own tokenizer.
async fn tokens(model: &LlamaServer, text: &str) -> usize {
    let url = model.base_url().replace("/v1", "/tokenize");
    let reply: Value = jetcrawl_tests::http_client()
        .expect("an HTTP client")
        .post(url)
        .json(&json!({ "content": text }))
        .send()
        .await
        .expect("tokenize")
        .json()
        .await
        .expect("tokenize reply");
    reply["tokens"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local model: scripts/test.sh --llm"]
async fn observations_of_the_fixture_pages_cost_few_tokens() {
    let site = FixtureSite::start().expect("fixture site");
    let rig = Rig::start(&site).await;
    let model = LlamaServer::start().await.expect("llama-server");
    let pages = [
        "/shop/kettle/reviews",
        "/shop/catalogue",
        "/static",
        "/form",
        "/js",
        "/long",
        "/",
    ];
    let mut script: Vec<Scripted> = pages
        .iter()
        .map(|path| Scripted::call("navigate", json!({ "url": site.url(path) })))
        .collect();
    script.push(Scripted::call("finish", json!({"answer": {}})));
    let task = Task {
        goal: "Read every page.".to_owned(),
        start_url: site.url("/shop/kettle"),
        output: OutputSchema::compile(json!({"type": "object"})).expect("a valid schema"),
        limits: AgentLimits::default(),
    };
    let (outcome, _journal, stub) = rig.run_scripted(&task, script).await;
    assert!(matches!(outcome, Outcome::Answered { .. }), "{outcome:?}");

    // The first request carries the start page; each later one the page a call opened.
    let requests = stub.requests();
    let mut shown = vec![("/shop/kettle", first_page(&requests[0]))];
    for (path, request) in pages.iter().zip(&requests[1..]) {
        shown.push((path, later_page(request)));
    }
    for (path, page) in &shown {
        assert!(
            page.contains(&format!("URL: {}", site.url(path))),
            "{path}: {page}"
        );
        let count = tokens(&model, page).await;
        eprintln!(
            "observation of {path}: {count} tokens, {} characters",
            page.chars().count()
        );
        // A page is cut at 6,000 characters: it always fits a small model's context.
        assert!(count <= 2_000, "{path}: {count} tokens");
        if *path == "/shop/catalogue" {
            assert!(page.ends_with("scroll or navigate to see more]"), "{page}");
        }
    }
}

/// The observation in the first user message.
fn first_page(request: &Value) -> String {
    let said = last_message(request);
    let page = said.split("\n\nGoal: ").next().unwrap_or_default();
    page.trim_start_matches("The browser shows this page:\n")
        .to_owned()
}

/// The observation in a later tool message.
fn later_page(request: &Value) -> String {
    let said = last_message(request);
    let page = said
        .split("\n\nDoes this page show")
        .next()
        .unwrap_or_default();
    page.trim_start_matches("The browser now shows this page:\n")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the local model: scripts/test.sh --llm"]
async fn a_real_agent_job_runs_through_the_platform_and_the_cli() {
    let ShopGoal { goal, schema, .. } = shop_goals()
        .into_iter()
        .find(|g| g.name == "stock")
        .expect("a shop goal");
    let site = FixtureSite::start().expect("fixture site");
    let model = LlamaServer::start().await.expect("llama-server");
    let stack = jetcrawl_tests::Stack::start().await.expect("stack");
    let gateway = stack.spawn_gateway().await.expect("gateway");
    let worker = stack
        .spawn_worker(&[
            ("JETCRAWL_MODEL_BASE_URL", &model.base_url()),
            ("JETCRAWL_MODEL", "qwen2.5-coder-1.5b-instruct"),
            ("JETCRAWL_MODEL_MAX_REPLY_TOKENS", "256"),
        ])
        .await
        .expect("worker");
    let dir = tempfile::tempdir().expect("temp dir");
    let schema_file = dir.path().join("schema.json");
    std::fs::write(&schema_file, schema.to_string()).expect("schema file");
    let bin = jetcrawl_tests::target_dir::binary_path("jetcrawl").expect("jetcrawl is built");
    let started = Instant::now();
    let output = tokio::process::Command::new(bin)
        .args([
            "--output",
            "json",
            "submit",
            "--agent",
            goal,
            "--max-steps",
            "8",
        ])
        .arg("--schema")
        .arg(&schema_file)
        .args([site.url("/shop/kettle").as_str(), "--wait"])
        .env("JETCRAWL_GATEWAY", &gateway.grpc_url)
        .env("JETCRAWL_HTTP_URL", &gateway.http_url)
        .env("JETCRAWL_API_KEY", &gateway.api_key)
        .output()
        .await
        .expect("jetcrawl runs");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}\nworker:\n{}",
        String::from_utf8_lossy(&output.stderr),
        worker.process.log()
    );
    let document: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let agent = &document["result"]["agent"];
    assert_eq!(agent["answer"]["in_stock"], json!(12), "{document:#}");
    eprintln!(
        "agent job through the platform: {} turns, {} steps, {} prompt + {} completion tokens, {seconds:.1} s from submit to result",
        agent["turns"], agent["steps"], agent["prompt_tokens"], agent["completion_tokens"]
    );
}
