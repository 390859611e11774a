//! One browser session: its tab, its tenant, and its calls until it closes.

use std::sync::Arc;

use async_nats::{Client, Subscriber};
use futures::StreamExt as _;
use jetcrawl_agent::session::{OBSERVE_TOOL, OpenRequest, SessionCall, SessionReply};
use jetcrawl_agent::tools::parse_call;
use jetcrawl_agent::{Browser as _, Observation, StepFailure};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tracing::info;

use super::serve::{SessionSettings, respond};
use crate::execute::agent::{AgentPage, PageCheck};
use crate::execute::{PageLimits, SettlePlan};
use crate::pool::BrowserPool;

/// A leased tab and whose it is.
pub(super) struct Session {
    page: AgentPage<Arc<dyn PageCheck>>,
    tenant: String,
    session_id: String,
    idle_timeout: std::time::Duration,
}

/// What one call led to, and whether the session goes on.
struct Answer {
    reply: SessionReply,
    open: bool,
}

impl Session {
    pub(super) fn new(
        pool: BrowserPool,
        check: Arc<dyn PageCheck>,
        asked: OpenRequest,
        settings: SessionSettings,
    ) -> Self {
        let limits = PageLimits {
            deadline: Instant::now() + settings.max_lifetime,
            step_timeout: settings.step_timeout,
            navigation_timeout: settings.navigation_timeout,
        };
        Self {
            page: AgentPage::new(pool, check, SettlePlan::default_plan(), limits).unscoped(),
            tenant: asked.tenant,
            session_id: asked.session_id,
            idle_timeout: settings.idle_timeout,
        }
    }

    /// Serves calls until the session closes; the slot and the tab go back then.
    pub(super) async fn run(
        mut self,
        client: Client,
        mut calls: Subscriber,
        _slot: OwnedSemaphorePermit,
    ) {
        let why = loop {
            let next = tokio::time::timeout(self.idle_timeout, calls.next()).await;
            let message = match next {
                Ok(Some(message)) => message,
                Ok(None) => break "its subscription ended",
                Err(_) => break "it was idle",
            };
            let answer = match serde_json::from_slice::<SessionCall>(&message.payload) {
                Ok(call) => self.answer(call).await,
                Err(err) => Answer {
                    reply: refused("invalid_argument", format!("not a session call: {err}"), ""),
                    open: true,
                },
            };
            respond(&client, &message, &answer.reply).await;
            if !answer.open {
                break "it was closed or its browser failed";
            }
        };
        info!(session_id = %self.session_id, %why, "browser session closed");
        let _ = calls.unsubscribe().await;
        self.page.close();
    }

    async fn answer(&mut self, call: SessionCall) -> Answer {
        let (tool, arguments) = match call {
            SessionCall::Close { tenant } if tenant == self.tenant => {
                return Answer {
                    reply: SessionReply::Closed,
                    open: false,
                };
            }
            SessionCall::Tool {
                tenant,
                tool,
                arguments,
            } if tenant == self.tenant => (tool, arguments),
            // Another tenant's call never reaches the tab.
            _ => {
                return Answer {
                    reply: refused(
                        "permission_denied",
                        "this session belongs to another tenant".to_owned(),
                        "",
                    ),
                    open: true,
                };
            }
        };
        let ran = match tool.as_str() {
            OBSERVE_TOOL => self.page.observe_now().await,
            "finish" => Err(StepFailure::Refused {
                class: "invalid_argument".to_owned(),
                message: "finish belongs to agent jobs; a session has no answer to give".to_owned(),
            }),
            _ => match parse_call(&tool, &arguments.to_string()) {
                Ok(action) => self.page.act(&action).await,
                Err(err) => Err(StepFailure::Refused {
                    class: "invalid_argument".to_owned(),
                    message: err.to_string(),
                }),
            },
        };
        let url = self.page.current_url().unwrap_or_default().to_owned();
        match ran {
            Ok(observation) => Answer {
                reply: observed(observation),
                open: true,
            },
            Err(StepFailure::Refused { class, message }) => Answer {
                reply: refused(&class, message, &url),
                open: true,
            },
            Err(StepFailure::Fatal { class, message, .. }) => Answer {
                reply: refused(
                    &class,
                    format!("{message}; the session is closed, open a new one"),
                    &url,
                ),
                open: false,
            },
        }
    }
}

fn observed(observation: Observation) -> SessionReply {
    SessionReply::Observed {
        page: observation.render(),
        url: observation.url,
    }
}

fn refused(class: &str, message: String, url: &str) -> SessionReply {
    SessionReply::Refused {
        class: class.to_owned(),
        message,
        url: url.to_owned(),
    }
}
