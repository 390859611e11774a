//! Who may reach `/mcp`: the request's API key or JWT, with a role that may use the
//! browser, and an MCP session only by the tenant that opened it. A session id sent
//! with another tenant's key is answered as if it did not exist. A tenant holds at most
//! [`SESSIONS_PER_TENANT`] MCP sessions on a gateway; one idle past the SDK's
//! keep-alive is closed and forgotten, and a request on it is told to start afresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use rmcp::transport::streamable_http_server::session::SessionManager as _;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use tonic::metadata::MetadataMap;

use crate::auth::Action;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};

/// The header carrying the MCP session id (streamable HTTP transport).
const SESSION_HEADER: &str = "mcp-session-id";
/// MCP sessions one tenant may hold open on one gateway.
pub const SESSIONS_PER_TENANT: usize = 16;
/// The SDK ends a session after this long without a request (its default keep-alive).
const SESSION_IDLE: Duration = Duration::from_secs(300);

/// One MCP session's tenant and when it was last used.
#[derive(Debug, Clone)]
struct Owner {
    tenant: String,
    seen: Instant,
}

/// Which tenant opened each MCP session of this gateway.
#[derive(Debug, Clone, Default)]
pub struct Owners(Arc<Mutex<HashMap<String, Owner>>>);

impl Owners {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Owner>) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The session's tenant, marking it used.
    fn touch(&self, session: &str) -> Option<String> {
        self.with(|owners| {
            owners.get_mut(session).map(|owner| {
                owner.seen = Instant::now();
                owner.tenant.clone()
            })
        })
    }

    /// Forgets sessions idle past the keep-alive; returns them, to close.
    fn expire(&self) -> Vec<String> {
        self.with(|owners| {
            let idle: Vec<String> = owners
                .iter()
                .filter(|(_, owner)| owner.seen.elapsed() > SESSION_IDLE)
                .map(|(id, _)| id.clone())
                .collect();
            for id in &idle {
                owners.remove(id);
            }
            idle
        })
    }

    fn count(&self, tenant: &str) -> usize {
        self.with(|owners| owners.values().filter(|o| o.tenant == tenant).count())
    }

    fn set(&self, session: String, tenant: String) {
        let owner = Owner {
            tenant,
            seen: Instant::now(),
        };
        self.with(|owners| owners.insert(session, owner));
    }

    fn forget(&self, session: &str) {
        self.with(|owners| owners.remove(session));
    }
}

/// What the guard keeps: the app, the owners, the SDK's sessions.
pub type GuardState = (AppState, Owners, Arc<LocalSessionManager>);

/// Authenticates every `/mcp` request and keeps sessions within their tenant; the
/// caller travels to the tool calls as a request extension.
pub async fn guard(
    State((app, owners, sessions)): State<GuardState>,
    mut request: Request,
    next: Next,
) -> Response {
    let metadata = MetadataMap::from_headers(request.headers().clone());
    let caller = match app.gateway.caller(&metadata, Action::UseBrowser).await {
        Ok(caller) => caller,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let session = request
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match &session {
        Some(id) => {
            if owners
                .touch(id)
                .is_some_and(|tenant| tenant != caller.tenant)
            {
                tracing::warn!(tenant = %caller.tenant, actor = %caller.actor, "an MCP session of another tenant was asked for");
                return not_found("no such MCP session for this key");
            }
        }
        None => {
            for idle in owners.expire() {
                let _ = sessions.close_session(&idle.into()).await;
            }
            if owners.count(&caller.tenant) >= SESSIONS_PER_TENANT {
                return Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RESOURCE_EXHAUSTED",
                    format!(
                        "tenant {} holds {SESSIONS_PER_TENANT} MCP sessions on this gateway; end one (DELETE /mcp with its mcp-session-id) or let one idle out ({} s)",
                        caller.tenant,
                        SESSION_IDLE.as_secs()
                    ),
                )
                .into_response();
            }
        }
    }
    let closing = request.method() == Method::DELETE;
    let tenant = caller.tenant.clone();
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    match session {
        Some(id) if response.status().is_server_error() => {
            // The SDK ended this session (idle) but still knows its id: close it for
            // good, so the client is told to start again instead of failing forever.
            let _ = sessions.close_session(&id.clone().into()).await;
            owners.forget(&id);
            not_found("this MCP session expired")
        }
        Some(id) if closing && response.status().is_success() => {
            owners.forget(&id);
            response
        }
        Some(_) => response,
        None => {
            if let Some(id) = response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                owners.set(id.to_owned(), tenant);
            }
            response
        }
    }
}

fn not_found(detail: &str) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("{detail}; start a new session (initialize)"),
    )
    .into_response()
}
