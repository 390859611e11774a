//! `GET /v1/jobs/{id}/events`: the job's events as Server-Sent Events, from the first
//! one, ending right after the event that makes the job terminal (WatchJob over HTTP).
//! Each SSE event is named after the job event's type, carries its stream sequence as
//! its id and a JSON view as its data; a read error mid-stream ends the stream with an
//! `error` event holding a problem document. With `?progress=true`, `progress` events
//! (no id: progress is not recorded) tell where the running attempt is.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use jetcrawl_proto::v1::{JobEvent, JobProgress};
use serde::{Deserialize, Serialize};
use tonic::metadata::MetadataMap;

use super::AppState;
use super::dto::{state_name, time};
use super::error::{ApiError, Problem};
use super::params::{flag, query};
use crate::auth::Action;
use crate::error::GatewayError;

/// Comment lines sent while the job is quiet, so proxies keep the connection open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One job event as SSE data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = JobEvent)]
pub struct EventView {
    /// Stream sequence.
    sequence: u64,
    /// e.g. `JobStarted`.
    #[serde(rename = "type")]
    kind: String,
    /// When it happened.
    occurred_at: Option<DateTime<Utc>>,
    /// Who caused it, e.g. `worker:w-1`.
    actor: String,
    /// The job's state after it.
    state: &'static str,
}

/// Where the running attempt is (a `progress` event, with `?progress=true`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    /// The attempt, from 1.
    attempt: u32,
    /// The page worked on (1-based) and the number of pages.
    page: u32,
    /// The number of pages.
    pages: u32,
    /// The page's URL.
    url: String,
    /// Steps done on this page.
    steps_done: u32,
    /// The job's steps.
    steps: u32,
}

impl From<&JobProgress> for ProgressView {
    fn from(p: &JobProgress) -> Self {
        Self {
            attempt: p.attempt,
            page: p.page,
            pages: p.pages,
            url: p.url.clone(),
            steps_done: p.steps_done,
            steps: p.steps,
        }
    }
}

/// Query of the events route.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WatchQuery {
    /// `true`: also send `progress` events while an attempt runs.
    #[param(value_type = Option<bool>)]
    progress: Option<String>,
}

fn view(event: &JobEvent) -> EventView {
    let envelope = event.event.as_ref();
    EventView {
        sequence: event.sequence,
        kind: envelope.map(|e| e.event_type.clone()).unwrap_or_default(),
        occurred_at: time(envelope.and_then(|e| e.occurred_at)),
        actor: envelope.map(|e| e.actor.clone()).unwrap_or_default(),
        state: state_name(event.state),
    }
}

fn sse_event(item: Result<JobEvent, GatewayError>) -> Event {
    match item {
        Ok(JobEvent {
            progress: Some(progress),
            ..
        }) => Event::default()
            .event("progress")
            .json_data(ProgressView::from(&progress))
            .unwrap_or_else(|_| Event::default().event("error")),
        Ok(event) => {
            let data = view(&event);
            Event::default()
                .event(data.kind.clone())
                .id(data.sequence.to_string())
                .json_data(&data)
                .unwrap_or_else(|_| Event::default().event("error"))
        }
        Err(err) => Event::default()
            .event("error")
            .json_data(Problem::from(&err))
            .unwrap_or_else(|_| Event::default().event("error")),
    }
}

/// `GET /v1/jobs/{id}/events`.
#[utoipa::path(
    get,
    path = "/v1/jobs/{id}/events",
    tag = "jobs",
    summary = "Follow a job's events (Server-Sent Events)",
    description = "Every past event, then each new one, until the job ends. Each SSE event \
        is named after its type (`JobStarted`…), its `id` is the stream sequence and its \
        `data` a JobEvent; an `error` event carries a problem document and ends the stream.",
    params(("id" = String, Path, description = "Job id"), WatchQuery),
    responses(
        (status = 200, description = "The event stream", body = EventView,
         content_type = "text/event-stream"),
        (status = "4XX", description = "A problem document", body = Problem,
         content_type = "application/problem+json"),
    ),
)]
pub async fn watch(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(job_id): Path<String>,
    params: Result<Query<WatchQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let metadata = MetadataMap::from_headers(headers);
    let caller = app.gateway.caller(&metadata, Action::WatchJob).await?;
    let params = query(params)?;
    let progress = flag("progress", params.progress.as_deref())?;
    let events = app.gateway.watch_job(&caller, &job_id, progress).await?;
    // The service's stream ends after its first error: that error is the last event.
    let events = events.map(|item| Ok(sse_event(item)));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
