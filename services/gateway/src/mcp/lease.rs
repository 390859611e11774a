//! Leasing one worker's tab over NATS for an MCP session, and calling it.

use std::time::Duration;

use async_nats::Client;
use jetcrawl_agent::session::{
    OPEN_SUBJECT, OpenReply, OpenRequest, SessionCall, SessionReply, session_subject,
};
use serde_json::Value;

/// Workers asked for a session before giving up (each refusal may be a busy worker
/// while another has room).
const OPEN_TRIES: u32 = 3;
/// Longest wait for a worker to answer a session request.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

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
        let session_id = uuid::Uuid::new_v4().to_string();
        let request = OpenRequest {
            tenant: tenant.to_owned(),
            session_id: session_id.clone(),
        };
        let body = serde_json::to_vec(&request)
            .map_err(|err| CallError::new("internal", err.to_string()))?;
        let mut last = CallError::new("unavailable", "no worker answered");
        for _ in 0..OPEN_TRIES {
            let asked = client.request(OPEN_SUBJECT, body.clone().into());
            let answer = match tokio::time::timeout(OPEN_TIMEOUT, asked).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(err)) => {
                    return Err(CallError::new(
                        "unavailable",
                        format!(
                            "no worker serves browser sessions ({err}); start a worker with JETCRAWL_BROWSER_SESSIONS above 0"
                        ),
                    ));
                }
                Err(_) => {
                    last =
                        CallError::new("unavailable", "no worker answered within 5 s; try again");
                    continue;
                }
            };
            match serde_json::from_slice::<OpenReply>(&answer.payload) {
                Ok(OpenReply::Opened { worker_id, .. }) => {
                    return Ok(Self {
                        client: client.clone(),
                        tenant: tenant.to_owned(),
                        subject: session_subject(&session_id),
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
        let asked = self.client.request(self.subject.clone(), body.into());
        match tokio::time::timeout(timeout, asked).await {
            Ok(Ok(answer)) => serde_json::from_slice(&answer.payload).map_err(|err| {
                CallError::new("internal", format!("a worker answered garbage: {err}"))
            }),
            // No responder: the worker closed the session (idle, its browser failed) or
            // is gone.
            Ok(Err(_)) => Ok(SessionReply::Closed),
            Err(_) => Err(CallError::new(
                "deadline_exceeded",
                format!("{tool} did not finish within {} s", timeout.as_secs()),
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
