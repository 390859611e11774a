//! Agent jobs: a goal in words, a start URL and an output JSON Schema instead of CSS
//! selectors. A language model behind an OpenAI-compatible chat-completions endpoint
//! drives the browser through the same step vocabulary declarative jobs use.
//!
//! - [`ChatClient`] calls the endpoint and classifies its failures like any other
//!   error: retryable (unreachable, timeout, 429, 5xx, a malformed body) or final.
//! - [`tools`] turns the step vocabulary into tool definitions (generated from the
//!   argument types) plus `finish(answer)`, and a model's tool call into an [`Action`].
//! - [`OutputSchema`] refuses a schema that is not valid JSON Schema, and checks answers.
//! - [`Orchestrator`] runs the loop: the model picks a tool, a [`Browser`] runs it as a
//!   step and answers with a compact [`Observation`], within [`AgentLimits`]; every turn
//!   and step goes to a [`Journal`] first, so a job can be audited and replayed without
//!   the model.
//!
//! The crate does no browsing itself: the worker implements [`Browser`] on its step
//! executor, with the crawl controller, SSRF policy and deadlines applied.

mod answer;
mod error;
mod journal;
mod limits;
mod model;
mod observation;
mod orchestrator;
mod prompt;
pub mod session;
pub mod tools;
mod wire;

pub use answer::{OutputSchema, SchemaError};
pub use error::{ModelError, ModelErrorKind};
pub use journal::{Entry, Journal, JournalError, StepOutcome, Turn};
pub use limits::{AgentLimits, LimitError};
pub use model::{ApiKey, ChatClient, ModelConfig};
pub use observation::{OBSERVE_JS, Observation};
pub use orchestrator::{
    Browser, FailClass, Orchestrator, Outcome, RunError, StepFailure, Task, Usage,
};
pub use tools::Action;
