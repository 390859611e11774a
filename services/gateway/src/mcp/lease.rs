//! Leasing one worker's tab over NATS for an MCP session, and calling it.

use std::time::Duration;

use async_nats::{Client, RequestErrorKind};
use jetcrawl_agent::session::{
    OPEN_SUBJECT, OpenReply, OpenRequest, SessionCall, SessionReply, session_subject,
};
use serde_json::Value;

/// Workers asked for a session before giving up (each refusal may be a busy worker
/// while another has room, a slot a closing session is about to give back, or workers
/// restarting): 3 s of pauses in all.
const OPEN_TRIES: u32 = 5;
/// Longest wait for a worker to answer a session request.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause before the second try; each next one waits one more of it.
const OPEN_PAUSE: Duration = Duration::from_millis(300);

/// Why a call got no page; shown to the MCP client as a tool error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The class, e.g. `resource_exhausted`, `unavailable`.
    pub class: String,
    /// What happened and what to do.
    pub message: String,
}

impl CallError {
    fn new(class: &str, message: impl Into<String>) -> Self {
        Self {
            class: class.to_owned(),
            message: message.into(),
        }
    }
}

/// A worker's tab, held for one MCP session; closed when dropped.
#[derive(Debug)]
pub struct Lease {
    client: Client,
    tenant: String,
    subject: String,
    /// The worker serving it.
    pub worker_id: String,
}

impl Lease {
    /// Asks the workers for a tab for `tenant`.
    pub async fn open(client: &Client, tenant: &str) -> Result<Self, CallError> {
        let mut last = CallError::new("unavailable", "no worker answered");
        for attempt in 0..OPEN_TRIES {
            if attempt > 0 {
                tokio::time::sleep(OPEN_PAUSE * attempt).await;
            }
            // A fresh id per try: a late answer to an earlier try must never leave two
            // workers serving the same session subject.
            let request = OpenRequest {
                tenant: tenant.to_owned(),
                session_id: uuid::Uuid::new_v4().to_string(),
            };
            let body = serde_json::to_vec(&request)
                .map_err(|err| CallError::new("internal", err.to_string()))?;
            let asked = async_nats::Request::new()
                .payload(body.into())
                .timeout(Some(OPEN_TIMEOUT));
            let answer = match client.send_request(OPEN_SUBJECT, asked).await {
                Ok(answer) => answer,
                Err(err) if err.kind() == RequestErrorKind::NoResponders => {
                    last = CallError::new(
                        "unavailable",
                        "no worker serves browser sessions; start a worker with JETCRAWL_BROWSER_SESSIONS above 0 (and at least 2 tabs)",
                    );
                    continue;
                }
                Err(err) => {
                    last = CallError::new(
                        "unavailable",
                        format!("no worker answered ({err}); try again"),
                    );
                    continue;
                }
            };
            match serde_json::from_slice::<OpenReply>(&answer.payload) {
                Ok(OpenReply::Opened { worker_id, .. }) => {
                    return Ok(Self {
                        client: client.clone(),
                        tenant: tenant.to_owned(),
                        subject: session_subject(&request.session_id),
                        worker_id,
                    });
                }
                Ok(OpenReply::Refused { class, message }) if class == "resource_exhausted" => {
                    last = CallError::new(&class, message);
                }
                Ok(OpenReply::Refused { class, message }) => {
                    return Err(CallError::new(&class, message));
                }
                Err(err) => {
                    return Err(CallError::new(
                        "internal",
                        format!("a worker answered garbage: {err}"),
                    ));
                }
            }
        }
        Err(last)
    }

    /// Runs `tool` with `arguments` on the leased tab, waiting at most `timeout`.
    pub async fn call(
        &self,
        tool: &str,
        arguments: Value,
        timeout: Duration,
    ) -> Result<SessionReply, CallError> {
        let call = SessionCall::Tool {
            tenant: self.tenant.clone(),
            tool: tool.to_owned(),
            arguments,
        };
        let body =
            serde_json::to_vec(&call).map_err(|err| CallError::new("internal", err.to_string()))?;
        let asked = async_nats::Request::new()
            .payload(body.into())
            .timeout(Some(timeout));
        match self.client.send_request(self.subject.clone(), asked).await {
            Ok(answer) => serde_json::from_slice(&answer.payload).map_err(|err| {
                CallError::new("internal", format!("a worker answered garbage: {err}"))
            }),
            // No responder: the worker closed the session (idle, its browser failed) or
            // is gone.
            Err(err) if err.kind() == RequestErrorKind::NoResponders => Ok(SessionReply::Closed),
            Err(err) if err.kind() == RequestErrorKind::TimedOut => Err(CallError::new(
                "deadline_exceeded",
                format!(
                    "{tool} did not finish within {} s (JETCRAWL_MCP_CALL_TIMEOUT_MS); the session goes on",
                    timeout.as_secs()
                ),
            )),
            Err(err) => Err(CallError::new(
                "unavailable",
                format!("{tool} could not be sent ({err}); the session goes on"),
            )),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let close = SessionCall::Close {
            tenant: self.tenant.clone(),
        };
        let (client, subject) = (self.client.clone(), self.subject.clone());
        if let Ok(body) = serde_json::to_vec(&close)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = client.publish(subject, body.into()).await;
            });
        }
    }
}
