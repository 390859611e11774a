//! Where the loop writes each turn and step before going on, so an agent job can be
//! audited and replayed without the model. The worker's journal appends them as events
//! (`AgentTurn`, `StepExecuted`); a `Vec<Entry>` keeps them in memory.

use std::future::Future;

use jetcrawl_proto::v1::Step;

/// One model reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// 1 for the first reply.
    pub index: u32,
    /// The response body as received.
    pub raw_reply: String,
    /// Prompt tokens of this call.
    pub prompt_tokens: u64,
    /// Completion tokens of this call.
    pub completion_tokens: u64,
    /// The tools it called, in order (empty for a text reply).
    pub tools: Vec<String>,
}

/// What became of one tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The step ran; the observation had this many characters.
    Observed {
        /// Characters sent back to the model.
        chars: usize,
    },
    /// `finish` gave an answer that passes the output schema; the loop ends.
    Answered,
    /// The step was refused (robots.txt, the SSRF policy, an element that does not
    /// exist); the model was told why.
    Refused {
        /// The error class.
        class: String,
        /// What the model was told.
        message: String,
    },
    /// The call itself was invalid (unknown tool, bad arguments, an answer that fails
    /// the schema); the model was told why.
    Invalid {
        /// What the model was told.
        message: String,
    },
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A model reply.
    Turn(Turn),
    /// A tool call, the step it ran (none for `finish` and invalid calls), and its outcome.
    Step {
        /// Turn the call belongs to (0: the start URL, opened before the first turn).
        turn: u32,
        /// The tool.
        tool: String,
        /// The step run for it.
        step: Option<Step>,
        /// What became of it.
        outcome: StepOutcome,
    },
}

/// A journal that could not record; the loop stops (nothing may run unrecorded).
#[derive(Debug, thiserror::Error)]
#[error("cannot record the agent's {what}: {source}")]
pub struct JournalError {
    /// What was being recorded.
    pub what: &'static str,
    /// Why it failed.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// Records entries in order.
pub trait Journal: Send {
    /// Records `entry` durably before the loop goes on.
    fn record(&mut self, entry: Entry) -> impl Future<Output = Result<(), JournalError>> + Send;
}

impl Journal for Vec<Entry> {
    async fn record(&mut self, entry: Entry) -> Result<(), JournalError> {
        self.push(entry);
        Ok(())
    }
}
