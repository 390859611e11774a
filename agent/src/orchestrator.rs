//! The agent loop: the model picks a tool, the browser runs it as a step, the observation
//! goes back to the model, until `finish` gives an answer that passes the output schema
//! or a limit stops it. Every turn and step is journalled before the loop goes on.

use std::future::Future;

use jetcrawl_proto::v1::Step;
use serde_json::Value;
use tokio::time::Instant;

use crate::answer::OutputSchema;
use crate::error::{ModelError, ModelErrorKind};
use crate::journal::{Entry, Journal, JournalError, StepOutcome, Turn};
use crate::limits::AgentLimits;
use crate::model::{ChatClient, Completion};
use crate::observation::Observation;
use crate::prompt;
use crate::tools::{self, Action, NavigateArgs};
use crate::wire::{ChatMessage, Role, ToolDefinition, WireFunction, WireToolCall};

/// What an agent job asks.
#[derive(Debug)]
pub struct Task {
    /// The goal, in words.
    pub goal: String,
    /// Where the browser starts.
    pub start_url: String,
    /// What the answer must match.
    pub output: OutputSchema,
    /// What it may spend.
    pub limits: AgentLimits,
}

/// Why a step did not give an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepFailure {
    /// Refused or impossible (robots.txt, SSRF policy, no such element, a wait that timed
    /// out): the model is told and may try another way.
    Refused {
        /// The error class.
        class: String,
        /// What happened, for the model.
        message: String,
    },
    /// The browser itself failed: the loop stops with this error.
    Fatal {
        /// The error class.
        class: String,
        /// What happened.
        message: String,
        /// Whether a later attempt may succeed.
        retryable: bool,
    },
}

/// Runs steps in a browser: the worker's step executor, with its policies applied.
pub trait Browser: Send {
    /// Runs `action`'s step and observes the page after it.
    fn act(
        &mut self,
        action: &Action,
    ) -> impl Future<Output = Result<Observation, StepFailure>> + Send;
}

/// Turns, steps and tokens spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Model replies.
    pub turns: u32,
    /// Tool calls, `finish` included.
    pub steps: u32,
    /// Prompt tokens over every turn.
    pub prompt_tokens: u64,
    /// Completion tokens over every turn.
    pub completion_tokens: u64,
}

impl Usage {
    /// Prompt and completion tokens.
    pub fn tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

/// Why an agent job failed for good (retrying would end the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailClass {
    /// `max_steps` tool calls without an answer.
    StepLimit,
    /// `max_tokens` spent without an answer.
    TokenLimit,
    /// `max_seconds` passed without an answer.
    TimeLimit,
    /// The answer failed the output schema twice.
    InvalidAnswer,
    /// The model answered in text, without a tool call, twice in a row.
    Refused,
}

impl FailClass {
    /// The error class recorded with the failure.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StepLimit => "agent_step_limit",
            Self::TokenLimit => "agent_token_limit",
            Self::TimeLimit => "agent_time_limit",
            Self::InvalidAnswer => "agent_invalid_answer",
            Self::Refused => "agent_refused",
        }
    }
}

/// How the loop ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `finish` gave an answer that passes the schema.
    Answered {
        /// The answer.
        answer: Value,
        /// What it cost.
        usage: Usage,
    },
    /// The job fails for good.
    Failed {
        /// Why.
        class: FailClass,
        /// What happened and what to change.
        message: String,
        /// What it cost.
        usage: Usage,
    },
}

/// A failure the worker classifies like any attempt's: the model endpoint, the browser,
/// or the journal.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The model endpoint failed ([`ModelError::retryable`] says what next).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The browser failed (or refused the start URL).
    #[error("{class}: {message}")]
    Step {
        /// The error class.
        class: String,
        /// What happened.
        message: String,
        /// Whether a later attempt may succeed.
        retryable: bool,
    },
    /// A turn or step could not be recorded.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Runs agent tasks against one model endpoint.
#[derive(Debug, Clone)]
pub struct Orchestrator {
    client: ChatClient,
}

/// The state of one run.
struct Run<'a, B, J> {
    task: &'a Task,
    browser: &'a mut B,
    journal: &'a mut J,
    tools: Vec<ToolDefinition>,
    messages: Vec<ChatMessage>,
    usage: Usage,
    deadline: Instant,
    nudged: bool,
    /// The turn whose answer failed the schema, once one did.
    invalid_answer_turn: Option<u32>,
    /// The message showing the latest page, and that page's URL: only the latest page is
    /// kept in full, so the context stays about one page long however long the run.
    latest_page: (usize, String),
}

impl Orchestrator {
    /// An orchestrator calling `client`'s model.
    pub fn new(client: ChatClient) -> Self {
        Self { client }
    }

    /// Opens the start URL, then lets the model work until it answers or a limit stops it.
    pub async fn run<B: Browser, J: Journal>(
        &self,
        task: &Task,
        browser: &mut B,
        journal: &mut J,
    ) -> Result<Outcome, RunError> {
        let deadline = Instant::now() + task.limits.wall_time();
        let start = Action::Navigate(NavigateArgs {
            url: task.start_url.clone(),
        });
        let page = match browser.act(&start).await {
            Ok(page) => page,
            Err(failure) => {
                let (class, message, retryable) = match failure {
                    StepFailure::Refused { class, message } => (class, message, false),
                    StepFailure::Fatal {
                        class,
                        message,
                        retryable,
                    } => (class, message, retryable),
                };
                let outcome = StepOutcome::Refused {
                    class: class.clone(),
                    message: message.clone(),
                };
                journal.record(step_entry(0, &start, outcome)).await?;
                return Err(RunError::Step {
                    class,
                    message,
                    retryable,
                });
            }
        };
        let shown = page.render();
        journal
            .record(step_entry(
                0,
                &start,
                StepOutcome::Observed {
                    chars: shown.chars().count(),
                },
            ))
            .await?;
        let mut run = Run {
            task,
            browser,
            journal,
            tools: tools::definitions(task.output.as_value()),
            messages: vec![
                ChatMessage::system(prompt::system(task.output.as_value())),
                ChatMessage::user(prompt::task(&task.goal, &shown)),
            ],
            usage: Usage::default(),
            deadline,
            nudged: false,
            invalid_answer_turn: None,
            latest_page: (1, page.url.clone()),
        };
        loop {
            if let Some(outcome) = run.turn(&self.client).await? {
                return Ok(outcome);
            }
        }
    }
}

impl<B: Browser, J: Journal> Run<'_, B, J> {
    /// One model reply and the calls in it; the outcome when the loop ends.
    async fn turn(&mut self, client: &ChatClient) -> Result<Option<Outcome>, RunError> {
        let limits = self.task.limits;
        if self.usage.steps >= limits.max_steps {
            return Ok(Some(self.fail(FailClass::StepLimit, format!(
                "no answer after {} tool calls (agent.max_steps); raise it, or make the goal narrower",
                self.usage.steps
            ))));
        }
        if self.usage.tokens() >= limits.max_tokens {
            return Ok(Some(self.fail(FailClass::TokenLimit, format!(
                "no answer after {} tokens (agent.max_tokens); raise it, or make the goal narrower",
                self.usage.tokens()
            ))));
        }
        let Some(completion) = self.ask(client).await? else {
            return Ok(Some(self.time_limit()));
        };
        self.usage.turns += 1;
        self.usage.prompt_tokens += completion.usage.prompt_tokens;
        self.usage.completion_tokens += completion.usage.completion_tokens;
        let index = self.usage.turns;
        let mut message = completion.message;
        let calls = tool_calls(&mut message, index);
        self.journal
            .record(Entry::Turn(Turn {
                index,
                raw_reply: completion.raw,
                prompt_tokens: completion.usage.prompt_tokens,
                completion_tokens: completion.usage.completion_tokens,
                tools: calls.iter().map(|c| c.function.name.clone()).collect(),
            }))
            .await?;
        self.messages.push(message.clone());
        if calls.is_empty() {
            return Ok(self.refusal(&message));
        }
        self.nudged = false;
        for call in &calls {
            if let Some(outcome) = self.call(index, call).await? {
                return Ok(Some(outcome));
            }
        }
        Ok(None)
    }

    /// The model's next reply; `None` when the job's time ran out first.
    async fn ask(&mut self, client: &ChatClient) -> Result<Option<Completion>, RunError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        match client.complete(&self.messages, &self.tools, left).await {
            Ok(completion) => Ok(Some(completion)),
            // The job's own time, not the endpoint, cut this call short.
            Err(err) if err.kind == ModelErrorKind::Timeout && Instant::now() >= self.deadline => {
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// A reply without a tool call: nudged once, then the job fails.
    fn refusal(&mut self, message: &ChatMessage) -> Option<Outcome> {
        if self.nudged {
            let said: String = message
                .content
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect();
            return Some(self.fail(
                FailClass::Refused,
                format!("the model answered twice without calling a tool; it said: {said:?}"),
            ));
        }
        self.nudged = true;
        self.messages
            .push(ChatMessage::user(prompt::NUDGE.to_owned()));
        None
    }

    /// Runs one tool call; the outcome when it ends the loop.
    async fn call(&mut self, turn: u32, call: &WireToolCall) -> Result<Option<Outcome>, RunError> {
        let name = &call.function.name;
        if self.usage.steps >= self.task.limits.max_steps {
            // Journalled, so a replay matches every call of the turn; the turn after
            // fails the job at the step limit.
            let outcome = StepOutcome::Invalid {
                message: "not run: agent.max_steps reached".to_owned(),
            };
            self.record_step(turn, name, None, outcome).await?;
            return Ok(None);
        }
        self.usage.steps += 1;
        let (reply, outcome, step) = match tools::parse_call(name, &call.function.arguments) {
            Err(err) => (
                err.to_string(),
                StepOutcome::Invalid {
                    message: err.to_string(),
                },
                None,
            ),
            Ok(Action::Finish(answer)) => return self.finish(turn, call, answer).await,
            Ok(action) => {
                let step = action.to_step();
                match self.browser.act(&action).await {
                    Ok(page) => {
                        let shown = page.render();
                        let chars = shown.chars().count();
                        self.forget_latest_page(page.url);
                        let said = prompt::observed(&shown);
                        (said, StepOutcome::Observed { chars }, step)
                    }
                    Err(StepFailure::Refused { class, message }) => (
                        prompt::refused(&message),
                        StepOutcome::Refused { class, message },
                        step,
                    ),
                    Err(StepFailure::Fatal {
                        class,
                        message,
                        retryable,
                    }) => {
                        let outcome = StepOutcome::Refused {
                            class: class.clone(),
                            message: message.clone(),
                        };
                        self.record_step(turn, name, step, outcome).await?;
                        return Err(RunError::Step {
                            class,
                            message,
                            retryable,
                        });
                    }
                }
            }
        };
        self.record_step(turn, name, step, outcome).await?;
        self.messages.push(ChatMessage::tool(&call.id, reply));
        Ok(None)
    }

    async fn record_step(
        &mut self,
        turn: u32,
        tool: &str,
        step: Option<Step>,
        outcome: StepOutcome,
    ) -> Result<(), JournalError> {
        let entry = Entry::Step {
            turn,
            tool: tool.to_owned(),
            step,
            outcome,
        };
        self.journal.record(entry).await
    }

    /// A new page is about to be shown: the one shown until now shrinks to a line saying
    /// where it was (the goal stays in the first message), and the next message to be
    /// pushed becomes the latest page, at `url`.
    fn forget_latest_page(&mut self, url: String) {
        let (index, shown_url) = std::mem::replace(&mut self.latest_page, (0, url));
        let shrunk = if index == 1 {
            prompt::task_seen(&self.task.goal, &shown_url)
        } else {
            prompt::page_seen(&shown_url)
        };
        if let Some(message) = self.messages.get_mut(index) {
            message.content = Some(shrunk);
        }
        self.latest_page.0 = self.messages.len();
    }

    /// `finish(answer)`: the answer when it passes the schema; fed back once otherwise.
    async fn finish(
        &mut self,
        turn: u32,
        call: &WireToolCall,
        answer: Value,
    ) -> Result<Option<Outcome>, RunError> {
        let violations = self.task.output.violations(&answer);
        if violations.is_empty() {
            self.record_step(turn, "finish", None, StepOutcome::Answered)
                .await?;
            return Ok(Some(Outcome::Answered {
                answer,
                usage: self.usage,
            }));
        }
        let said = prompt::invalid_answer(&violations);
        let outcome = StepOutcome::Invalid {
            message: said.clone(),
        };
        self.record_step(turn, "finish", None, outcome).await?;
        // The second failing answer fails the job, once the model was told about the first.
        if self.invalid_answer_turn.is_some_and(|first| first < turn) {
            return Ok(Some(self.fail(
                FailClass::InvalidAnswer,
                format!(
                    "the model's answer failed the output schema twice: {}",
                    violations.join("; ")
                ),
            )));
        }
        self.invalid_answer_turn.get_or_insert(turn);
        self.messages.push(ChatMessage::tool(&call.id, said));
        Ok(None)
    }

    fn time_limit(&self) -> Outcome {
        self.fail(
            FailClass::TimeLimit,
            format!(
                "no answer within {} s (agent.max_seconds); raise it, or make the goal narrower",
                self.task.limits.max_seconds
            ),
        )
    }

    fn fail(&self, class: FailClass, message: String) -> Outcome {
        Outcome::Failed {
            class,
            message,
            usage: self.usage,
        }
    }
}

/// The reply's tool calls, each with an id (servers may leave it empty). A reply whose
/// text is a bare JSON `{"name": …, "arguments": …}` object counts as that call: small
/// models behind some chat templates answer so.
fn tool_calls(message: &mut ChatMessage, turn: u32) -> Vec<WireToolCall> {
    if message.tool_calls.is_empty()
        && let Some(call) = message.content.as_deref().and_then(bare_call)
    {
        message.tool_calls.push(call);
    }
    for (i, call) in message.tool_calls.iter_mut().enumerate() {
        if call.id.is_empty() {
            call.id = format!("call_{turn}_{i}");
        }
    }
    message.role = Role::Assistant;
    message.tool_calls.clone()
}

fn bare_call(text: &str) -> Option<WireToolCall> {
    let value: Value = serde_json::from_str(text.trim()).ok()?;
    let name = value.get("name")?.as_str()?.to_owned();
    let arguments = match value.get("arguments")? {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    Some(WireToolCall {
        id: String::new(),
        kind: "function".to_owned(),
        function: WireFunction { name, arguments },
    })
}

fn step_entry(turn: u32, action: &Action, outcome: StepOutcome) -> Entry {
    Entry::Step {
        turn,
        tool: action.name().to_owned(),
        step: action.to_step(),
        outcome,
    }
}
