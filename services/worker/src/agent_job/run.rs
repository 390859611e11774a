//! Running an agent job's attempt: the model's loop on an [`AgentPage`] of the worker's
//! pool, journalled as events, its answer stored as the result.

use jetcrawl_agent::{
    AgentLimits, FailClass, ModelErrorKind, Orchestrator, Outcome, OutputSchema, RunError, Task,
};
use jetcrawl_privacy::{PrivacyError, SubjectRef};
use jetcrawl_proto::v1::{AgentSpec, JobSpec};
use jetcrawl_streams::Job;
use serde_json::json;
use tokio::time::Instant;

use super::journal::{EventJournal, Sealer};
use crate::error::{ErrorClass, JobError};
use crate::execute::agent::AgentPage;
use crate::execute::{Interrupt, PageLimits, SettlePlan, SpecRun};
use crate::handler::Handler;

impl Handler {
    /// Runs attempt `attempt` of agent job `job` (its spec opened) until `deadline`.
    pub(crate) async fn run_agent(
        &self,
        job: &Job,
        attempt: u32,
        spec: &JobSpec,
        deadline: Instant,
        interrupt: &Interrupt,
    ) -> Result<SpecRun, JobError> {
        let Some(model) = &self.agent else {
            return Err(crate::model_config::not_configured());
        };
        let agent = spec
            .agent
            .as_ref()
            .ok_or_else(|| invalid("no agent spec"))?;
        let task = task(spec, agent)?;
        let sealer = self.sealer(job).await?;
        // No step runs past the loop's own wall time, so running out of it ends the job
        // as `agent_time_limit` (final), not as the attempt's retryable `timeout`.
        let loop_deadline = Instant::now() + task.limits.wall_time();
        let limits = PageLimits {
            deadline: deadline.min(loop_deadline),
            step_timeout: self.executor.config().step_timeout,
            navigation_timeout: self.executor.config().navigation_timeout,
        };
        let mut browser = AgentPage::new(
            self.executor.pool().clone(),
            self.gate.page_check(&job.tenant),
            SettlePlan::of(spec),
            limits,
        );
        let mut journal =
            EventJournal::new(&self.recorder, interrupt, job.clone(), attempt, sealer);
        let started = Instant::now();
        let ran = Orchestrator::new(model.clone())
            .run(&task, &mut browser, &mut journal)
            .await;
        browser.close();
        let (error_class, result) = match ran {
            Ok(Outcome::Answered { answer, .. }) => (None, Ok(answer)),
            Ok(Outcome::Failed { class, message, .. }) => {
                let message = public_failure(class, message);
                let class = ErrorClass::Agent(class.as_str());
                (Some(class), Err(JobError::new(class, message)))
            }
            Err(RunError::Model(err)) => {
                let class = ErrorClass::Model {
                    class: err.class(),
                    retryable: err.retryable(),
                };
                // The endpoint's own words may quote the conversation (pages, the goal):
                // they stay in the sealed journal and the worker's debug log.
                tracing::debug!(error = %err, "the model endpoint failed");
                let error =
                    JobError::new(class, model_failure(&err)).with_retry_after(err.retry_after);
                (Some(class), Err(error))
            }
            Err(RunError::Step { .. }) if Instant::now() >= loop_deadline => {
                let class = ErrorClass::Agent(FailClass::TimeLimit.as_str());
                let message = format!(
                    "no answer within {} s (agent.max_seconds); raise it, or make the goal narrower",
                    task.limits.max_seconds
                );
                (Some(class), Err(JobError::new(class, message)))
            }
            Err(RunError::Step {
                class,
                message,
                retryable,
            }) => {
                let class = ErrorClass::of_step_class(&class).unwrap_or(if retryable {
                    ErrorClass::BrowserCrash
                } else {
                    ErrorClass::TargetForbidden
                });
                (Some(class), Err(JobError::new(class, message)))
            }
            // Nothing more can be recorded: a cancel, a job that moved on, or the log.
            Err(RunError::Journal(err)) => {
                return Err(interrupt
                    .check()
                    .err()
                    .unwrap_or_else(|| JobError::new(ErrorClass::Storage, err.to_string())));
            }
        };
        let outcome = if error_class.is_some() {
            "failed"
        } else {
            "answered"
        };
        let class = error_class.map(ErrorClass::as_str).unwrap_or_default();
        journal
            .finish(outcome, class, started.elapsed())
            .await
            .map_err(|err| {
                interrupt
                    .check()
                    .err()
                    .unwrap_or_else(|| JobError::new(ErrorClass::Storage, err.to_string()))
            })?;
        let usage = journal.usage();
        Ok(SpecRun {
            agent: Some(json!({
                "answer": result?,
                "turns": usage.turns,
                "steps": usage.steps,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
            })),
            ..SpecRun::default()
        })
    }

    /// Seals under the job's subject key, or in clear when its spec is.
    async fn sealer(&self, job: &Job) -> Result<Sealer, JobError> {
        let (Some(privacy), false) = (&self.recorder.privacy, job.subject_ref.is_empty()) else {
            return Ok(Sealer::new(&job.tenant, None));
        };
        let reference = SubjectRef::parse(&job.subject_ref)
            .ok_or_else(|| invalid("the job's subject reference is malformed"))?;
        match privacy.get(&job.tenant, &reference).await {
            Ok(Some(key)) => Ok(Sealer::new(&job.tenant, Some((key, reference)))),
            Ok(None) => Err(invalid(
                "the job's data subject was erased, so its journal cannot be written; submit a new job if it is still wanted",
            )),
            Err(err @ PrivacyError::Unavailable(_)) => {
                Err(JobError::new(ErrorClass::Storage, err.to_string()))
            }
            Err(err) => Err(invalid(&err.to_string())),
        }
    }
}

/// The failure message recorded in clear: the limits say what was spent; a refusal or an
/// invalid answer would quote the model (and so the pages), which stays sealed in the
/// journal.
fn public_failure(class: FailClass, message: String) -> String {
    match class {
        FailClass::StepLimit | FailClass::TokenLimit | FailClass::TimeLimit => message,
        FailClass::InvalidAnswer => "the model's answer failed the output schema twice; the violations are in the job's journal (StepExecuted, sealed); check spec.agent.output_schema or make the goal clearer".to_owned(),
        FailClass::Refused => "the model answered in text instead of calling a tool, twice; its replies are in the job's journal (AgentTurn, sealed)".to_owned(),
    }
}

/// The model endpoint's failure in words that quote nothing of the conversation.
fn model_failure(err: &jetcrawl_agent::ModelError) -> String {
    let what = match err.kind {
        ModelErrorKind::Unreachable => "is unreachable (JETCRAWL_MODEL_BASE_URL)",
        ModelErrorKind::Timeout => "did not answer in time (JETCRAWL_MODEL_TIMEOUT_MS)",
        ModelErrorKind::RateLimited => "asked to slow down (429)",
        ModelErrorKind::Server => "failed on its side (5xx)",
        ModelErrorKind::Malformed => "answered something that is not a chat completion",
        ModelErrorKind::Unauthorized => "refused the key (401/403); check JETCRAWL_MODEL_KEY_FILE",
        ModelErrorKind::Rejected => {
            "refused the request (4xx: unknown model, context too long); check JETCRAWL_MODEL and the limits"
        }
    };
    let next = if err.retryable() {
        "attempts left are retried with backoff"
    } else {
        "retrying will not help"
    };
    format!("the model endpoint {what}; {next}")
}

/// The task of a spec the gateway validated; a spec that slipped past it fails as
/// invalid rather than running unchecked.
fn task(spec: &JobSpec, agent: &AgentSpec) -> Result<Task, JobError> {
    let start_url = spec
        .urls
        .first()
        .cloned()
        .ok_or_else(|| invalid("an agent job needs its start URL in spec.urls"))?;
    let schema = serde_json::from_str(&agent.output_schema)
        .map_err(|err| invalid(&format!("spec.agent.output_schema is not JSON: {err}")))?;
    let output = OutputSchema::compile(schema)
        .map_err(|err| invalid(&format!("spec.agent.output_schema {err}")))?;
    let limits = AgentLimits::from_fields(agent.max_steps, agent.max_seconds, agent.max_tokens)
        .map_err(|errs| {
            let all: Vec<String> = errs.iter().map(ToString::to_string).collect();
            invalid(&all.join("; "))
        })?;
    Ok(Task {
        goal: agent.goal.clone(),
        start_url,
        output,
        limits,
    })
}

fn invalid(message: &str) -> JobError {
    JobError::new(ErrorClass::InvalidSpec, message)
}
