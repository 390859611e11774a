//! The rules of an agent job's journal (ADR 0045): only the attempt that runs the job
//! may write it, in order, and an entry appended already (an append that landed although
//! its answer was lost) is not appended again.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{AgentFinished, AgentTurn, StepExecuted};

use crate::error::DecideError;
use crate::state::Job;

/// One entry of an agent job's journal.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEntry {
    /// A model reply.
    Turn(AgentTurn),
    /// A tool call and what became of it.
    Step(StepExecuted),
    /// The loop ended.
    Finished(AgentFinished),
}

impl AgentEntry {
    /// The attempt that wrote it, and its position in that attempt's journal.
    fn position(&self) -> (u32, u32) {
        match self {
            Self::Turn(t) => (t.attempt, t.entry),
            Self::Step(s) => (s.attempt, s.entry),
            Self::Finished(f) => (f.attempt, f.entry),
        }
    }

    fn into_payload(self) -> Payload {
        match self {
            Self::Turn(t) => Payload::AgentTurn(t),
            Self::Step(s) => Payload::StepExecuted(s),
            Self::Finished(f) => Payload::AgentFinished(f),
        }
    }
}

pub(crate) fn record_agent(job: &Job, entry: AgentEntry) -> Result<Vec<Payload>, DecideError> {
    let (attempt, position) = entry.position();
    if job.running_attempt != Some(attempt) {
        return Err(DecideError::InvalidTransition {
            action: "journal an agent step of",
            status: job.status,
            detail: format!(" (attempt {attempt} is not the one running)"),
        });
    }
    let next = job.agent_entries + 1;
    if position < next {
        return Ok(Vec::new());
    }
    if position > next {
        return Err(DecideError::InvalidTransition {
            action: "journal an agent step of",
            status: job.status,
            detail: format!(" (entry {position} would skip entry {next})"),
        });
    }
    Ok(vec![entry.into_payload()])
}
