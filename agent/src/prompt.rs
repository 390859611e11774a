//! The words the loop says to the model.

use serde_json::Value;

/// The system prompt of a task. The output schema belongs here: moved to the first user
/// message (which would let a model server cache the system prompt and the tools from one
/// job to the next), it made the 1.5B model answer at once with a rating it invented.
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

/// The first user message: the start page, then the goal, then the nudge to answer at
/// once when the page already shows it. In that order a 1.5B model answers from the page;
/// with the goal first it opens the page it is already on.
pub(crate) fn task(goal: &str, page: &str) -> String {
    format!(
        "The browser shows this page:\n{page}\n\nGoal: {goal}\n\
         If the page above already shows it, call finish with the answer now."
    )
}

/// The first message once a later page is shown: the goal, and where the start page was.
pub(crate) fn task_seen(goal: &str, url: &str) -> String {
    format!("The browser showed the page {url} here.\n\nGoal: {goal}")
}

/// A page that a later one replaced.
pub(crate) fn page_seen(url: &str) -> String {
    format!("The browser showed the page {url} here; a later page replaced it.")
}

/// The page after a step, and the question it raises. Asked this way (and without the
/// goal repeated, which makes it redo the step the goal mentions) a 1.5B model answers
/// as soon as a page shows the answer instead of going back and forth.
pub(crate) fn observed(page: &str) -> String {
    format!(
        "The browser now shows this page:\n{page}\n\n\
         Does this page show what the goal asks for? Then call finish with the answer. \
         Otherwise use another tool."
    )
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
