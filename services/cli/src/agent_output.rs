//! An agent job's journal events in words, for the lines `watch` and `submit --wait`
//! show while the job runs (ADR 0045). The model's raw reply is sealed in the event and
//! not shown; what it called, what became of it and what it cost are.

use jetcrawl_proto::v1::JobEvent;
use jetcrawl_proto::v1::event::Payload;

/// What an agent journal event says, `None` for any other event.
pub fn agent_text(event: &JobEvent) -> Option<String> {
    match event.event.as_ref()?.payload.as_ref()? {
        Payload::AgentTurn(turn) => {
            let called = match turn.tools.as_slice() {
                [] => "no tool".to_owned(),
                tools => tools.join(", "),
            };
            Some(format!(
                "turn {}: {called} · {} prompt + {} completion tokens",
                turn.turn, turn.prompt_tokens, turn.completion_tokens
            ))
        }
        Payload::StepExecuted(step) => {
            let what = match step.outcome.as_str() {
                "observed" => format!("page read ({} characters)", step.observation_chars),
                "answered" => "answer accepted".to_owned(),
                "refused" => format!("refused: {}", step.error_class),
                other => other.to_owned(),
            };
            Some(format!("{} → {what}", step.tool))
        }
        Payload::AgentFinished(finished) => {
            let ended = match finished.outcome.as_str() {
                "answered" => "answered".to_owned(),
                _ => format!("failed: {}", finished.error_class),
            };
            Some(format!(
                "{ended} after {} turns, {} steps, {} tokens, {:.1} s",
                finished.turns,
                finished.steps,
                finished.prompt_tokens + finished.completion_tokens,
                finished.duration_ms as f64 / 1000.0
            ))
        }
        _ => None,
    }
}
