//! An agent job's journal as events (ADR 0045): each turn and step the loop records is
//! appended through the job's one write path before the loop goes on, sealed under the
//! job's data subject key, and refused once the attempt no longer runs the job.

use std::time::Duration;

use chrono::Utc;
use jetcrawl_agent::{Entry, Journal, JournalError, StepOutcome, Usage};
use jetcrawl_privacy::{DataKey, SubjectRef, seal_value};
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{AgentFinished, AgentTurn, Step, StepExecuted};
use jetcrawl_streams::job::AgentEntry;
use jetcrawl_streams::{Basis, Command, Job, Retry};

use crate::execute::Interrupt;
use crate::lifecycle::Recorder;

/// Longest a journal append may keep retrying a transient failure (a leader election).
const APPEND_BUDGET: Duration = Duration::from_secs(10);

/// Seals the personal text of journal entries: the model's raw replies quote pages, and
/// steps carry URLs and typed text.
#[derive(Debug, Clone)]
pub struct Sealer {
    tenant: String,
    /// The job's subject key; `None` when the job's spec is stored in clear.
    key: Option<(DataKey, SubjectRef)>,
}

impl Sealer {
    /// Seals under `key` of `reference`, or keeps values in clear when `None`.
    pub fn new(tenant: impl Into<String>, key: Option<(DataKey, SubjectRef)>) -> Self {
        Self {
            tenant: tenant.into(),
            key,
        }
    }

    fn seal(&self, value: String) -> Result<String, JournalError> {
        match &self.key {
            Some((key, reference)) if !value.is_empty() => {
                seal_value(key, &self.tenant, reference, &value).map_err(|err| JournalError {
                    what: "sealed text",
                    source: Box::new(err),
                })
            }
            _ => Ok(value),
        }
    }

    fn seal_step(&self, mut step: Step) -> Result<Step, JournalError> {
        match &mut step.kind {
            Some(Kind::Navigate(navigate)) => {
                navigate.url = self.seal(std::mem::take(&mut navigate.url))?;
            }
            Some(Kind::Type(typed)) => typed.text = self.seal(std::mem::take(&mut typed.text))?,
            // The model often copies the text to wait for from the page or the goal.
            Some(Kind::WaitForText(wait)) => {
                wait.text = self.seal(std::mem::take(&mut wait.text))?;
            }
            _ => {}
        }
        Ok(step)
    }
}

/// Appends one attempt's journal to the job's history.
pub struct EventJournal<'a> {
    recorder: &'a Recorder,
    interrupt: &'a Interrupt,
    /// The job as our latest append left it (the guess for the next one).
    job: Job,
    attempt: u32,
    entries: u32,
    sealer: Sealer,
    /// What the recorded turns and steps spent.
    usage: Usage,
}

impl<'a> EventJournal<'a> {
    /// The journal of `attempt` of `job`, which has just started.
    pub fn new(
        recorder: &'a Recorder,
        interrupt: &'a Interrupt,
        job: Job,
        attempt: u32,
        sealer: Sealer,
    ) -> Self {
        Self {
            recorder,
            interrupt,
            job,
            attempt,
            entries: 0,
            sealer,
            usage: Usage::default(),
        }
    }

    /// What the recorded turns and steps spent (steps: the model's tool calls).
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// Records the loop's end: `outcome` "answered", or "failed" with its class.
    pub async fn finish(
        &mut self,
        outcome: &str,
        error_class: &str,
        duration: Duration,
    ) -> Result<(), JournalError> {
        let usage = self.usage;
        let entry = self.entries + 1;
        let finished = AgentFinished {
            attempt: self.attempt,
            entry,
            outcome: outcome.to_owned(),
            error_class: error_class.to_owned(),
            turns: usage.turns,
            steps: usage.steps,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        };
        self.append(AgentEntry::Finished(finished)).await
    }

    fn to_event(&self, entry: Entry) -> Result<AgentEntry, JournalError> {
        let (attempt, position) = (self.attempt, self.entries + 1);
        Ok(match entry {
            Entry::Turn(turn) => AgentEntry::Turn(AgentTurn {
                attempt,
                entry: position,
                turn: turn.index,
                raw_reply: self.sealer.seal(turn.raw_reply)?,
                prompt_tokens: turn.prompt_tokens,
                completion_tokens: turn.completion_tokens,
                tools: turn.tools,
            }),
            Entry::Step {
                turn,
                tool,
                step,
                outcome,
            } => {
                let (outcome, error_class, message, chars) = match outcome {
                    StepOutcome::Observed { chars } => {
                        ("observed", String::new(), String::new(), chars)
                    }
                    StepOutcome::Answered => ("answered", String::new(), String::new(), 0),
                    StepOutcome::Refused { class, message } => ("refused", class, message, 0),
                    StepOutcome::Invalid { message } => ("invalid", String::new(), message, 0),
                };
                AgentEntry::Step(StepExecuted {
                    attempt,
                    entry: position,
                    turn,
                    tool,
                    step: step.map(|s| self.sealer.seal_step(s)).transpose()?,
                    outcome: outcome.to_owned(),
                    error_class,
                    message: self.sealer.seal(message)?,
                    observation_chars: u32::try_from(chars).unwrap_or(u32::MAX),
                })
            }
        })
    }

    /// Appends `entry` at the next position: a cancel request or a job that moved on
    /// stops the loop here, before anything else runs.
    async fn append(&mut self, entry: AgentEntry) -> Result<(), JournalError> {
        if let Err(err) = self.interrupt.check() {
            return Err(JournalError {
                what: "next step",
                source: Box::new(err),
            });
        }
        let command = Command::RecordAgent(entry);
        let executed = tokio::time::timeout(
            APPEND_BUDGET,
            self.recorder.store.execute(
                &self.job.id,
                Basis::Guess(Box::new(self.job.clone())),
                &self.recorder.actor,
                command,
                Utc::now(),
                Retry::UNTIL_DEADLINE,
            ),
        )
        .await;
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| JournalError {
            what: "journal entry",
            source,
        };
        match executed {
            Ok(Ok(done)) => {
                self.job = done.job;
                self.entries += 1;
                Ok(())
            }
            Ok(Err(err)) => Err(failed(Box::new(err))),
            Err(_) => Err(failed(
                format!(
                    "the event log did not take it within {} s",
                    APPEND_BUDGET.as_secs()
                )
                .into(),
            )),
        }
    }
}

impl Journal for EventJournal<'_> {
    async fn record(&mut self, entry: Entry) -> Result<(), JournalError> {
        let mut spent = Usage::default();
        match &entry {
            Entry::Turn(turn) => {
                spent.turns = 1;
                spent.prompt_tokens = turn.prompt_tokens;
                spent.completion_tokens = turn.completion_tokens;
            }
            // Turn 0 is the start page, opened before the model was asked.
            Entry::Step { turn, .. } => spent.steps = u32::from(*turn > 0),
        }
        let event = self.to_event(entry)?;
        self.append(event).await?;
        self.usage.turns += spent.turns;
        self.usage.steps += spent.steps;
        self.usage.prompt_tokens += spent.prompt_tokens;
        self.usage.completion_tokens += spent.completion_tokens;
        Ok(())
    }
}
