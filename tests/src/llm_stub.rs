//! A scripted OpenAI-compatible chat-completions endpoint: `POST /v1/chat/completions`
//! on a free loopback port answers each request with the next reply of its script (the
//! last one again once the script runs out), and keeps every request body, so a test can
//! drive the agent loop through each edge case and see what the model was told.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Prompt tokens the stub reports for every reply.
pub const STUB_PROMPT_TOKENS: u64 = 120;
/// Completion tokens the stub reports for every reply.
pub const STUB_COMPLETION_TOKENS: u64 = 15;

/// One scripted reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Scripted {
    /// A tool call; `arguments` is sent as given (it may not be JSON).
    ToolCall {
        /// The tool's name.
        name: String,
        /// The raw arguments text.
        arguments: String,
    },
    /// A text reply with no tool call.
    Text(String),
    /// This HTTP status, with `Retry-After: 1` on a 429.
    Status(u16),
    /// A 200 whose body is not a chat completion.
    Garbage(String),
    /// Waits this long, then answers with a text reply.
    Hang(Duration),
}

impl Scripted {
    /// A tool call with JSON arguments.
    pub fn call(name: &str, arguments: Value) -> Self {
        Self::ToolCall {
            name: name.to_owned(),
            arguments: arguments.to_string(),
        }
    }
}

#[derive(Debug, Default)]
struct Script {
    replies: VecDeque<Scripted>,
    last: Option<Scripted>,
    requests: Vec<Value>,
}

type Shared = Arc<Mutex<Script>>;

/// The stub on `127.0.0.1:<free port>`, on its own thread and runtime; dropping it stops
/// it.
#[derive(Debug)]
pub struct LlmStub {
    addr: SocketAddr,
    script: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LlmStub {
    /// Binds a free loopback port and answers with `script`.
    pub fn start(script: Vec<Scripted>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("binding the LLM stub to 127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let script: Shared = Arc::new(Mutex::new(Script {
            replies: script.into(),
            ..Script::default()
        }));
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(script.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the LLM stub's runtime")?;
        let thread = std::thread::Builder::new()
            .name(format!("llm-stub-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return tracing::error!("LLM stub listener");
                    };
                    let stopped = async {
                        let _ = stopped.await;
                    };
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(stopped)
                        .await;
                });
            })
            .context("spawning the LLM stub thread")?;
        Ok(Self {
            addr,
            script,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The base URL an OpenAI client is given: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request body received so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.script).requests.clone()
    }
}

impl Drop for LlmStub {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn complete(State(script): State<Shared>, body: String) -> Response {
    let reply = {
        let mut script = lock(&script);
        script
            .requests
            .push(serde_json::from_str(&body).unwrap_or(Value::String(body)));
        let next = script.replies.pop_front().or_else(|| script.last.clone());
        script.last.clone_from(&next);
        next
    };
    let turn = lock(&script).requests.len();
    match reply {
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the stub's script is empty",
        )
            .into_response(),
        Some(Scripted::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response =
                (status, format!("{{\"error\":\"scripted {code}\"}}")).into_response();
            if code == 429 {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            }
            response
        }
        Some(Scripted::Garbage(body)) => (StatusCode::OK, body).into_response(),
        Some(Scripted::Hang(wait)) => {
            tokio::time::sleep(wait).await;
            completion(json!({"role": "assistant", "content": "late"}))
        }
        Some(Scripted::Text(text)) => completion(json!({"role": "assistant", "content": text})),
        Some(Scripted::ToolCall { name, arguments }) => completion(json!({
            "role": "assistant",
            "content": null,
            "tool_calls": [{
                "id": format!("stub_{turn}"),
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }],
        })),
    }
}

fn completion(message: Value) -> Response {
    let body = json!({
        "id": "stub",
        "object": "chat.completion",
        "model": "stub",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": STUB_PROMPT_TOKENS,
            "completion_tokens": STUB_COMPLETION_TOKENS,
            "total_tokens": STUB_PROMPT_TOKENS + STUB_COMPLETION_TOKENS,
        },
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn lock(script: &Shared) -> MutexGuard<'_, Script> {
    script.lock().unwrap_or_else(PoisonError::into_inner)
}
