//! The agent loop against a scripted OpenAI-compatible endpoint (the test kit's stub):
//! each edge case ends as specified, and the journal holds every turn and step.

use std::collections::HashMap;
use std::time::Duration;

use jetcrawl_agent::tools::ClickArgs;
use jetcrawl_agent::{
    Action, AgentLimits, Browser, ChatClient, Entry, FailClass, ModelConfig, ModelErrorKind,
    Observation, Orchestrator, Outcome, OutputSchema, RunError, StepFailure, StepOutcome, Task,
};
use jetcrawl_tests::agent_rig::{steps, told};
use jetcrawl_tests::llm_stub::{STUB_COMPLETION_TOKENS, STUB_PROMPT_TOKENS};
use jetcrawl_tests::{LlmStub, Scripted};
use serde_json::{Value, json};

const START: &str = "http://shop.test/kettle";

/// A two-page site in memory: the product page links to its delivery page as element 2.
struct Site {
    at: String,
    pages: HashMap<&'static str, Observation>,
    refuse: Option<&'static str>,
    crash_on_click: bool,
}

impl Site {
    fn new() -> Self {
        let page = |url: &str, text: &str| Observation {
            url: url.to_owned(),
            title: "Kettle".to_owned(),
            text: text.to_owned(),
        };
        let pages = HashMap::from([
            (
                START,
                page(
                    START,
                    "Kettle 1.7 l\nPrice: 39.90 EUR\n[1] Add to cart\n[2] Delivery",
                ),
            ),
            (
                "http://shop.test/kettle/delivery",
                page("http://shop.test/kettle/delivery", "Delivery in 2 days"),
            ),
        ]);
        Self {
            at: String::new(),
            pages,
            refuse: None,
            crash_on_click: false,
        }
    }
}

impl Browser for Site {
    async fn act(&mut self, action: &Action) -> Result<Observation, StepFailure> {
        let refused = |message: &str| StepFailure::Refused {
            class: "target_forbidden".to_owned(),
            message: message.to_owned(),
        };
        match action {
            Action::Click(_) if self.crash_on_click => {
                return Err(StepFailure::Fatal {
                    class: "browser_crash".to_owned(),
                    message: "the tab crashed".to_owned(),
                    retryable: true,
                });
            }
            Action::Navigate(args) if Some(args.url.as_str()) == self.refuse => {
                return Err(refused("robots.txt of shop.test disallows this path"));
            }
            Action::Navigate(args) => self.at = args.url.clone(),
            Action::Click(ClickArgs { element: 2 }) => {
                self.at = "http://shop.test/kettle/delivery".to_owned();
            }
            Action::Click(_) => return Err(refused("no element with that number")),
            _ => {}
        }
        self.pages
            .get(self.at.as_str())
            .cloned()
            .ok_or_else(|| refused("no such page"))
    }
}

fn schema() -> OutputSchema {
    OutputSchema::compile(json!({
        "type": "object",
        "properties": {"price": {"type": "number"}, "delivery": {"type": "string"}},
        "required": ["price", "delivery"],
    }))
    .expect("a valid schema")
}

fn task(limits: AgentLimits) -> Task {
    Task {
        goal: "Find the price and the delivery time of this kettle".to_owned(),
        start_url: START.to_owned(),
        output: schema(),
        limits,
    }
}

fn orchestrator(stub: &LlmStub, timeout: Duration) -> Orchestrator {
    let client = ChatClient::new(ModelConfig {
        base_url: stub.base_url(),
        model: "stub".to_owned(),
        api_key: None,
        request_timeout: timeout,
        max_reply_tokens: 256,
    })
    .expect("a client");
    Orchestrator::new(client)
}

async fn run(
    script: Vec<Scripted>,
    limits: AgentLimits,
) -> (Result<Outcome, RunError>, Vec<Entry>, LlmStub) {
    let stub = LlmStub::start(script).expect("the stub starts");
    let mut journal = Vec::new();
    let outcome = orchestrator(&stub, Duration::from_secs(5))
        .run(&task(limits), &mut Site::new(), &mut journal)
        .await;
    (outcome, journal, stub)
}

fn answer() -> Scripted {
    Scripted::call(
        "finish",
        json!({"answer": {"price": 39.9, "delivery": "2 days"}}),
    )
}

#[tokio::test]
async fn a_click_then_finish_answers_and_journals_every_turn_and_step() {
    let script = vec![Scripted::call("click", json!({"element": 2})), answer()];
    let (outcome, journal, stub) = run(script, AgentLimits::default()).await;
    let Ok(Outcome::Answered { answer, usage }) = outcome else {
        panic!("answered, got {outcome:?}");
    };
    assert_eq!(answer, json!({"price": 39.9, "delivery": "2 days"}));
    assert_eq!((usage.turns, usage.steps), (2, 2));
    assert_eq!(
        usage.tokens(),
        2 * (STUB_PROMPT_TOKENS + STUB_COMPLETION_TOKENS)
    );
    let tools: Vec<String> = steps(&journal).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        tools,
        ["navigate", "click", "finish"],
        "the start page, then each call"
    );
    let Some(Entry::Turn(first)) = journal.get(1) else {
        panic!("the first turn is journalled before its step: {journal:?}");
    };
    assert!(
        first.raw_reply.contains("\"click\""),
        "raw reply kept: {}",
        first.raw_reply
    );
    let request = &stub.requests()[0];
    assert_eq!(request["temperature"], json!(0.0));
    assert_eq!(
        request["tool_choice"],
        json!("required"),
        "every reply calls a tool"
    );
    let offered: Vec<&str> = request["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert_eq!(
        offered,
        [
            "navigate",
            "click",
            "type_text",
            "scroll",
            "wait_for_text",
            "finish"
        ]
    );
    assert_eq!(
        request["tools"][5]["function"]["parameters"]["properties"]["answer"]["required"],
        json!(["price", "delivery"]),
        "finish takes the output schema"
    );
    assert!(
        told(&stub)
            .last()
            .cloned()
            .unwrap_or_default()
            .contains("Delivery in 2 days"),
        "the observation after the click went back"
    );
    let first = stub.requests()[0]["messages"][1]["content"].clone();
    assert!(first.to_string().contains("Price: 39.90 EUR"), "{first}");
    let later = stub.requests()[1]["messages"][1]["content"].clone();
    assert_eq!(
        later,
        json!(format!(
            "The browser showed the page {START} here.\n\n\
             Goal: Find the price and the delivery time of this kettle"
        )),
        "only the latest page stays in full; the goal stays"
    );
}

#[tokio::test]
async fn malformed_arguments_and_an_unknown_tool_are_told_to_the_model() {
    let script = vec![
        Scripted::ToolCall {
            name: "click".to_owned(),
            arguments: "{element: two".to_owned(),
        },
        Scripted::call("download_page", json!({})),
        answer(),
    ];
    let stub = LlmStub::start(script).expect("stub");
    let mut journal = Vec::new();
    let outcome = orchestrator(&stub, Duration::from_secs(5))
        .run(
            &task(AgentLimits::default()),
            &mut Site::new(),
            &mut journal,
        )
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Answered { .. })),
        "{outcome:?}"
    );
    let requests = stub.requests();
    let said = |i: usize| {
        requests[i]["messages"]
            .as_array()
            .and_then(|m| m.last())
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(said(1)["role"], "tool");
    assert!(
        said(1)["content"]
            .as_str()
            .unwrap_or("")
            .contains("arguments of click are invalid"),
        "{}",
        said(1)
    );
    assert!(
        said(2)["content"]
            .as_str()
            .unwrap_or("")
            .contains("there is no tool \"download_page\""),
        "{}",
        said(2)
    );
    let invalid = steps(&journal)
        .iter()
        .filter(|(_, o)| matches!(o, StepOutcome::Invalid { .. }))
        .count();
    assert_eq!(invalid, 2, "both bad calls are journalled");
}

#[tokio::test]
async fn a_model_that_only_talks_is_nudged_once_then_fails_as_refused() {
    let script = vec![Scripted::Text("I cannot browse the web.".to_owned())];
    let (outcome, journal, stub) = run(script, AgentLimits::default()).await;
    let Ok(Outcome::Failed { class, message, .. }) = outcome else {
        panic!("failed, got {outcome:?}");
    };
    assert_eq!(class, FailClass::Refused);
    assert!(message.contains("I cannot browse the web."), "{message}");
    assert_eq!(stub.requests().len(), 2, "one nudge, then the job fails");
    assert!(
        told(&stub)
            .last()
            .cloned()
            .unwrap_or_default()
            .contains("Reply with a tool call")
    );
    assert_eq!(
        journal
            .iter()
            .filter(|e| matches!(e, Entry::Turn(_)))
            .count(),
        2
    );
}

#[tokio::test]
async fn endless_tool_calls_stop_at_the_step_limit() {
    let limits = AgentLimits {
        max_steps: 4,
        ..AgentLimits::default()
    };
    let script = vec![Scripted::call("scroll", json!({"pixels": 300}))];
    let (outcome, _, stub) = run(script, limits).await;
    let Ok(Outcome::Failed {
        class,
        usage,
        message,
    }) = outcome
    else {
        panic!("failed, got {outcome:?}");
    };
    assert_eq!(class, FailClass::StepLimit);
    assert!(message.contains("agent.max_steps"), "{message}");
    assert_eq!((usage.steps, stub.requests().len()), (4, 4));
}

#[tokio::test]
async fn the_token_limit_stops_a_long_conversation() {
    let limits = AgentLimits {
        max_tokens: 1_000,
        ..AgentLimits::default()
    };
    let script = vec![Scripted::call("scroll", json!({"pixels": 300}))];
    let (outcome, _, _) = run(script, limits).await;
    let Ok(Outcome::Failed { class, usage, .. }) = outcome else {
        panic!("failed, got {outcome:?}");
    };
    assert_eq!(class, FailClass::TokenLimit);
    let per_turn = STUB_PROMPT_TOKENS + STUB_COMPLETION_TOKENS;
    assert_eq!(u64::from(usage.turns), 1_000_u64.div_ceil(per_turn));
}

#[tokio::test]
async fn an_answer_that_fails_the_schema_is_fed_back_once_then_fails_the_job() {
    let bad = Scripted::call("finish", json!({"answer": {"price": "39.90 EUR"}}));
    let (outcome, journal, stub) = run(vec![bad.clone(), answer()], AgentLimits::default()).await;
    assert!(
        matches!(outcome, Ok(Outcome::Answered { .. })),
        "corrected once: {outcome:?}"
    );
    let (last_tool, _) = steps(&journal).into_iter().nth(1).expect("the bad finish");
    assert_eq!(last_tool, "finish");
    assert!(
        stub.requests()[1]["messages"]
            .to_string()
            .contains("does not match the output schema")
    );

    let (outcome, _, _) = run(vec![bad], AgentLimits::default()).await;
    let Ok(Outcome::Failed { class, message, .. }) = outcome else {
        panic!("failed, got {outcome:?}");
    };
    assert_eq!(class, FailClass::InvalidAnswer);
    assert!(message.contains("/price"), "names the field: {message}");
}

#[tokio::test]
async fn a_refused_step_is_told_to_the_model_and_the_loop_goes_on() {
    let stub = LlmStub::start(vec![
        Scripted::call("navigate", json!({"url": "http://shop.test/admin"})),
        answer(),
    ])
    .expect("stub");
    let mut site = Site::new();
    site.refuse = Some("http://shop.test/admin");
    let mut journal = Vec::new();
    let outcome = orchestrator(&stub, Duration::from_secs(5))
        .run(&task(AgentLimits::default()), &mut site, &mut journal)
        .await;
    assert!(
        matches!(outcome, Ok(Outcome::Answered { .. })),
        "{outcome:?}"
    );
    assert!(
        stub.requests()[1]["messages"]
            .to_string()
            .contains("Refused: robots.txt")
    );
    assert!(steps(&journal).iter().any(
        |(_, o)| matches!(o, StepOutcome::Refused { class, .. } if class == "target_forbidden")
    ));
}

#[tokio::test]
async fn endpoint_failures_are_classified_retryable_or_final() {
    let cases = [
        (Scripted::Status(429), ModelErrorKind::RateLimited, true),
        (Scripted::Status(503), ModelErrorKind::Server, true),
        (Scripted::Status(401), ModelErrorKind::Unauthorized, false),
        (Scripted::Status(400), ModelErrorKind::Rejected, false),
        (
            Scripted::Garbage("<html>proxy error</html>".to_owned()),
            ModelErrorKind::Malformed,
            true,
        ),
    ];
    for (reply, kind, retryable) in cases {
        let (outcome, _, _) = run(vec![reply.clone()], AgentLimits::default()).await;
        let Err(RunError::Model(err)) = outcome else {
            panic!("{reply:?}: a model error, got {outcome:?}");
        };
        assert_eq!(
            (err.kind, err.retryable()),
            (kind, retryable),
            "{reply:?}: {err}"
        );
        if kind == ModelErrorKind::RateLimited {
            assert_eq!(err.retry_after, Some(Duration::from_secs(1)));
        }
    }
}

#[tokio::test]
async fn a_model_that_does_not_answer_in_time_is_a_retryable_timeout() {
    let stub = LlmStub::start(vec![Scripted::Hang(Duration::from_secs(3))]).expect("stub");
    let outcome = orchestrator(&stub, Duration::from_millis(300))
        .run(
            &task(AgentLimits::default()),
            &mut Site::new(),
            &mut Vec::new(),
        )
        .await;
    let Err(RunError::Model(err)) = outcome else {
        panic!("a model error, got {outcome:?}");
    };
    assert_eq!(err.kind, ModelErrorKind::Timeout);
    assert!(err.retryable());
    assert!(
        err.to_string().contains("did not answer within 300 ms"),
        "{err}"
    );
}

#[tokio::test]
async fn the_jobs_own_time_running_out_is_the_time_limit_not_a_model_fault() {
    let stub = LlmStub::start(vec![Scripted::Hang(Duration::from_secs(3))]).expect("stub");
    let limits = AgentLimits {
        max_seconds: 1,
        ..AgentLimits::default()
    };
    let outcome = orchestrator(&stub, Duration::from_secs(30))
        .run(&task(limits), &mut Site::new(), &mut Vec::new())
        .await;
    let Ok(Outcome::Failed { class, .. }) = outcome else {
        panic!("failed, got {outcome:?}");
    };
    assert_eq!(class, FailClass::TimeLimit);
}

#[tokio::test]
async fn nothing_listening_is_an_unreachable_model() {
    let stub = LlmStub::start(vec![]).expect("stub");
    let url = stub.base_url();
    drop(stub);
    let client = ChatClient::new(ModelConfig {
        base_url: url,
        model: "stub".to_owned(),
        api_key: None,
        request_timeout: Duration::from_secs(2),
        max_reply_tokens: 64,
    })
    .expect("client");
    let outcome = Orchestrator::new(client)
        .run(
            &task(AgentLimits::default()),
            &mut Site::new(),
            &mut Vec::new(),
        )
        .await;
    let Err(RunError::Model(err)) = outcome else {
        panic!("a model error, got {outcome:?}");
    };
    assert_eq!(err.kind, ModelErrorKind::Unreachable);
    assert!(err.retryable());
}

#[tokio::test]
async fn a_browser_crash_ends_the_run_retryable_with_the_step_journalled() {
    let stub = LlmStub::start(vec![Scripted::call("click", json!({"element": 2}))]).expect("stub");
    let mut site = Site::new();
    site.crash_on_click = true;
    let mut journal = Vec::new();
    let outcome = orchestrator(&stub, Duration::from_secs(5))
        .run(&task(AgentLimits::default()), &mut site, &mut journal)
        .await;
    let Err(RunError::Step {
        class, retryable, ..
    }) = outcome
    else {
        panic!("a step error, got {outcome:?}");
    };
    assert_eq!((class.as_str(), retryable), ("browser_crash", true));
    let last = steps(&journal)
        .pop()
        .expect("the crashed step is journalled");
    assert_eq!(last.0, "click");
    assert!(matches!(last.1, StepOutcome::Refused { class, .. } if class == "browser_crash"));
}
