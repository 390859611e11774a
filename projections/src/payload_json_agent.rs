//! JSON renderings of an agent job's journal (ADR 0045). Sealed fields (the model's raw
//! reply, what it was told, a step's URL or text) stay sealed here, as in the event.

use jetcrawl_proto::v1::{AgentFinished, AgentTurn, StepExecuted};
use serde_json::{Value, json};

pub(crate) fn agent_turn(p: &AgentTurn) -> Value {
    json!({
        "attempt": p.attempt,
        "entry": p.entry,
        "turn": p.turn,
        "raw_reply": p.raw_reply,
        "prompt_tokens": p.prompt_tokens,
        "completion_tokens": p.completion_tokens,
        "tools": p.tools,
    })
}

pub(crate) fn step_executed(p: &StepExecuted) -> Value {
    json!({
        "attempt": p.attempt,
        "entry": p.entry,
        "turn": p.turn,
        "tool": p.tool,
        "step": p.step.as_ref().map(crate::payload_json::step),
        "outcome": p.outcome,
        "error_class": p.error_class,
        "message": p.message,
        "observation_chars": p.observation_chars,
    })
}

pub(crate) fn agent_finished(p: &AgentFinished) -> Value {
    json!({
        "attempt": p.attempt,
        "entry": p.entry,
        "outcome": p.outcome,
        "error_class": p.error_class,
        "turns": p.turns,
        "steps": p.steps,
        "prompt_tokens": p.prompt_tokens,
        "completion_tokens": p.completion_tokens,
        "duration_ms": p.duration_ms,
    })
}
