//! `jetcrawl watch <id>`, also used by `submit --wait`: the job's events through the
//! gateway until it ends. On a terminal a live line shows the elapsed time, the state
//! and the latest event; piped, one line per event goes to stderr; with
//! `--output json`, stdout gets one document at the end.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use console::style;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use jetcrawl_proto::v1::{JobEvent, JobProgress, JobState, WatchJobRequest};
use serde_json::json;

use super::{client, status_error};
use crate::args::{Global, JobArgs, Output};
use crate::exit::JobEnded;
use crate::output;

pub async fn run(global: &Global, args: JobArgs) -> anyhow::Result<()> {
    let followed = follow(global, &args.job_id).await?;
    if followed.state != JobState::Succeeded as i32 {
        let job = super::get::job(global, &args.job_id).await?;
        return followed.ended_well(&args.job_id, Some(&job));
    }
    if global.output == Output::Json {
        outln!(
            "{}",
            json!({
                "job_id": args.job_id,
                "state": output::state_name(followed.state),
                "events": followed.events.iter().map(output::event_json).collect::<Vec<_>>(),
            })
        );
    }
    Ok(())
}

/// What following a job saw.
pub struct Followed {
    /// Every event, in order.
    pub events: Vec<JobEvent>,
    /// The state after the last one.
    pub state: i32,
}

impl Followed {
    /// Ok when the job succeeded; a [`JobEnded`] (exit code 6) otherwise, carrying
    /// `job` for `--output json`.
    pub fn ended_well(
        &self,
        job_id: &str,
        job: Option<&jetcrawl_proto::v1::Job>,
    ) -> anyhow::Result<()> {
        if self.state == JobState::Succeeded as i32 {
            return Ok(());
        }
        Err(JobEnded {
            job_id: job_id.to_owned(),
            state: output::state_name(self.state),
            why: job
                .and_then(|j| j.failure.as_ref())
                .map(|f| format!("{}: {}", f.error_class, f.message)),
            job: job.map(output::job_json),
        }
        .into())
    }
}

/// Follows the job's events until the gateway ends the stream at a terminal state.
pub async fn follow(global: &Global, job_id: &str) -> anyhow::Result<Followed> {
    let mut jobs = client(global).await?;
    let mut progress = Progress::new(job_id, global.output);
    let mut stream = jobs
        .watch_job(WatchJobRequest {
            job_id: job_id.to_owned(),
            progress: progress.shows_steps(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let mut followed = Followed {
        events: Vec::new(),
        state: JobState::Unspecified as i32,
    };
    while let Some(event) = stream.next().await {
        let event = event.map_err(status_error)?;
        if let Some(step) = &event.progress {
            progress.step(step);
            continue;
        }
        progress.saw(&event);
        followed.state = event.state;
        followed.events.push(event);
    }
    progress.finish(followed.state);
    Ok(followed)
}

/// What a person sees while waiting.
struct Progress {
    job_id: String,
    started: Instant,
    /// The live line on a terminal.
    bar: Option<ProgressBar>,
    /// One line per event on stderr (text output that is not a terminal).
    lines: bool,
    /// The last step line written (lines mode), so a repeat is not written again.
    last_step: String,
}

impl Progress {
    fn new(job_id: &str, format: Output) -> Self {
        let text = format == Output::Text;
        let bar = (text && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(look) = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}") {
                bar.set_style(look);
            }
            bar.set_message(format!("job {job_id}: waiting for its first event"));
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Self {
            job_id: job_id.to_owned(),
            started: Instant::now(),
            lines: text && bar.is_none(),
            bar,
            last_step: String::new(),
        }
    }

    /// Whether the page and step numbers are shown (text output), so worth asking for.
    fn shows_steps(&self) -> bool {
        self.bar.is_some() || self.lines
    }

    /// The running attempt reached a step boundary.
    fn step(&mut self, step: &JobProgress) {
        let mut text = format!(
            "attempt {} · page {}/{}",
            step.attempt, step.page, step.pages
        );
        if step.steps > 0 {
            text.push_str(&format!(" · step {}/{}", step.steps_done, step.steps));
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "job {}: {} · {text} · {}",
                self.job_id,
                style("running").bold(),
                step.url
            ));
        } else if self.lines && text != self.last_step {
            eprintln!("job {}: {text} ({})", self.job_id, step.url);
            self.last_step = text;
        }
    }

    fn saw(&mut self, event: &JobEvent) {
        if let Some(bar) = &self.bar {
            // An agent's turns and steps stay on screen above the live line.
            if let Some(detail) = crate::agent_output::agent_text(event) {
                bar.println(format!("job {}: {detail}", self.job_id));
            }
            let kind = event.event.as_ref().map_or("", |e| e.event_type.as_str());
            bar.set_message(format!(
                "job {}: {} · {kind}",
                self.job_id,
                style(output::state_name(event.state)).bold(),
            ));
        } else if self.lines {
            eprintln!("{}", output::event_text(event));
        }
    }

    fn finish(&mut self, state: i32) {
        let Some(bar) = self.bar.take() else {
            return;
        };
        bar.finish_and_clear();
        let name = output::state_name(state);
        let name = if state == JobState::Succeeded as i32 {
            style(name).green().for_stderr()
        } else {
            style(name).red().for_stderr()
        };
        eprintln!(
            "job {} {name} after {:.1} s",
            self.job_id,
            self.started.elapsed().as_secs_f64()
        );
    }
}
