//! The words the loop says to the model.

use serde_json::Value;

/// The system prompt of a task.
pub(crate) fn system(output: &Value) -> String {
    format!(
        "You operate a web browser to reach a goal. Each page is shown as its readable text; \
         interactive elements carry a number in brackets, like `[3] Add to cart`. \
         Call exactly one tool per reply. Use click and type_text with those numbers. \
         Use only what the pages show; never invent a value. \
         When the page shows everything the goal asks for, call finish with the answer. \
         The answer must match this JSON Schema: {output}"
    )
}

/// The first user message: the goal and the start page.
pub(crate) fn task(goal: &str, page: &str) -> String {
    format!("Goal: {goal}\n\nThe browser is on this page:\n{page}")
}

/// Said once after a reply that called no tool.
pub(crate) const NUDGE: &str =
    "Reply with a tool call, not text: a browser tool to go on, or finish with the answer.";

/// Said once after an answer that fails the schema.
pub(crate) fn invalid_answer(violations: &[String]) -> String {
    format!(
        "The answer does not match the output schema: {}. Call finish again with a corrected answer.",
        violations.join("; ")
    )
}

/// Said after a refused step.
pub(crate) fn refused(message: &str) -> String {
    format!("Refused: {message}. Try another way to reach the goal.")
}
