//! Who may reach `/mcp`: the request's API key or JWT, with a role that may use the
//! browser, and an MCP session only by the tenant that opened it. A session id sent
//! with another tenant's key is answered as if it did not exist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use tonic::metadata::MetadataMap;

use crate::auth::Action;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};

/// The header carrying the MCP session id (streamable HTTP transport).
const SESSION_HEADER: &str = "mcp-session-id";

/// Which tenant opened each MCP session of this gateway.
#[derive(Debug, Clone, Default)]
pub struct Owners(Arc<Mutex<HashMap<String, String>>>);

impl Owners {
    fn owner(&self, session: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(session)
            .cloned()
    }

    fn set(&self, session: String, tenant: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(session, tenant);
    }

    fn forget(&self, session: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(session);
    }
}

/// Authenticates every `/mcp` request and keeps sessions within their tenant; the
/// caller travels to the tool calls as a request extension.
pub async fn guard(
    State((app, owners)): State<(AppState, Owners)>,
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
    if let Some(id) = &session
        && owners
            .owner(id)
            .is_some_and(|tenant| tenant != caller.tenant)
    {
        tracing::warn!(tenant = %caller.tenant, actor = %caller.actor, "an MCP session of another tenant was asked for");
        return Problem::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such MCP session for this key; start a new session (initialize)",
        )
        .into_response();
    }
    let closing = request.method() == Method::DELETE;
    let tenant = caller.tenant.clone();
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    match session {
        Some(id) if closing => owners.forget(&id),
        Some(_) => {}
        None => {
            if let Some(id) = response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                owners.set(id.to_owned(), tenant);
            }
        }
    }
    response
}
