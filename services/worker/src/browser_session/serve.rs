//! Taking session requests: one worker of the queue group answers each, with a session
//! when it has a free slot.

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, Message};
use futures::StreamExt as _;
use jetcrawl_agent::session::{OPEN_QUEUE, OPEN_SUBJECT, OpenReply, OpenRequest, session_subject};
use jetcrawl_streams::subjects::is_valid_token;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use super::session::Session;
use crate::gate::SlotGate;
use crate::pool::BrowserPool;

/// How many sessions a worker serves and how long they may idle.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    /// Sessions at once; 0 serves none.
    pub max_sessions: usize,
    /// A session without a call for this long closes.
    pub idle_timeout: Duration,
    /// Longest life of one session.
    pub max_lifetime: Duration,
    /// Deadline of one step.
    pub step_timeout: Duration,
    /// Deadline of one navigation.
    pub navigation_timeout: Duration,
}

/// Serves session requests until the returned task is aborted; `None` when the worker
/// serves no sessions or cannot subscribe (logged: agent jobs and declarative jobs run
/// on regardless).
pub async fn serve(
    client: Client,
    pool: BrowserPool,
    gate: Arc<dyn SlotGate>,
    settings: SessionSettings,
    worker_id: String,
) -> Option<JoinHandle<()>> {
    if settings.max_sessions == 0 {
        return None;
    }
    let mut requests = match client
        .queue_subscribe(OPEN_SUBJECT, OPEN_QUEUE.to_owned())
        .await
    {
        Ok(requests) => requests,
        Err(err) => {
            warn!(error = %err, "cannot take browser session requests; MCP clients get none from this worker");
            return None;
        }
    };
    let slots = Arc::new(Semaphore::new(settings.max_sessions));
    Some(tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let reply = open(
                &client, &pool, &gate, &slots, settings, &worker_id, &request,
            )
            .await;
            respond(&client, &request, &reply).await;
        }
    }))
}

/// Opens a session for `request` when a slot is free.
async fn open(
    client: &Client,
    pool: &BrowserPool,
    gate: &Arc<dyn SlotGate>,
    slots: &Arc<Semaphore>,
    settings: SessionSettings,
    worker_id: &str,
    request: &Message,
) -> OpenReply {
    let refused = |class: &str, message: String| OpenReply::Refused {
        class: class.to_owned(),
        message,
    };
    let asked = match serde_json::from_slice::<OpenRequest>(&request.payload) {
        Ok(asked) if is_valid_token(&asked.session_id) && !asked.tenant.is_empty() => asked,
        Ok(_) => {
            return refused(
                "invalid_argument",
                "a session needs a tenant and a token-safe session id".to_owned(),
            );
        }
        Err(err) => return refused("invalid_argument", format!("not a session request: {err}")),
    };
    let Ok(slot) = slots.clone().try_acquire_owned() else {
        return refused(
            "resource_exhausted",
            format!(
                "every browser session of worker {worker_id} is in use ({}); close one, or try again",
                settings.max_sessions
            ),
        );
    };
    let calls = match client.subscribe(session_subject(&asked.session_id)).await {
        Ok(calls) => calls,
        Err(err) => return refused("unavailable", format!("cannot serve the session: {err}")),
    };
    info!(session_id = %asked.session_id, tenant = %asked.tenant, "browser session opened");
    let session = Session::new(
        pool.clone(),
        gate.page_check(&asked.tenant),
        asked,
        settings,
    );
    tokio::spawn(session.run(client.clone(), calls, slot));
    OpenReply::Opened {
        worker_id: worker_id.to_owned(),
        idle_timeout_ms: u64::try_from(settings.idle_timeout.as_millis()).unwrap_or(u64::MAX),
    }
}

/// Sends `reply` to the message's inbox, if it has one.
pub(super) async fn respond<T: serde::Serialize>(client: &Client, message: &Message, reply: &T) {
    let Some(inbox) = message.reply.clone() else {
        return;
    };
    match serde_json::to_vec(reply) {
        Ok(body) => {
            if let Err(err) = client.publish(inbox, body.into()).await {
                warn!(error = %err, "a browser session reply was not sent");
            }
        }
        Err(err) => warn!(error = %err, "a browser session reply could not be encoded"),
    }
}
