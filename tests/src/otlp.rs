//! An OTLP/HTTP collector stub: `POST /v1/traces` with a protobuf
//! `ExportTraceServiceRequest` on a free loopback port, keeping every span it receives so
//! a test can check what the services export.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message as _;
use tokio::sync::oneshot;

const PROTOBUF: &str = "application/x-protobuf";

/// One span as received: ids in lowercase hex, as in a `traceparent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSpan {
    /// `service.name` of the resource that sent it.
    pub service: String,
    /// The span's name, e.g. `submit_job`.
    pub name: String,
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits.
    pub span_id: String,
    /// 16 hex digits, `None` for a root span.
    pub parent_span_id: Option<String>,
}

type Spans = Arc<Mutex<Vec<ReceivedSpan>>>;

/// The collector stub on `127.0.0.1:<free port>`, on its own thread and runtime like
/// [`crate::FixtureSite`]; dropping it stops it.
#[derive(Debug)]
pub struct OtlpCollector {
    addr: SocketAddr,
    spans: Spans,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl OtlpCollector {
    /// Binds a free loopback port and starts receiving.
    pub fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("binding the OTLP collector stub to 127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let spans = Spans::default();
        let app = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(spans.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the OTLP collector stub's runtime")?;
        let thread = std::thread::Builder::new()
            .name(format!("otlp-collector-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(e) => return tracing::error!(error = %e, "OTLP collector listener"),
                    };
                    let stopped = async {
                        let _ = stopped.await;
                    };
                    if let Err(e) = axum::serve(listener, app)
                        .with_graceful_shutdown(stopped)
                        .await
                    {
                        tracing::error!(error = %e, "OTLP collector stopped");
                    }
                });
            })
            .context("spawning the OTLP collector thread")?;
        Ok(Self {
            addr,
            spans,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, the value of `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What a service needs to export here: the endpoint, and batches sent every 200 ms
    /// rather than every 5 s so a test need not wait.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT", self.endpoint()),
            ("OTEL_BSP_SCHEDULE_DELAY", "200".to_owned()),
        ]
    }

    /// Every span received so far, in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        lock(&self.spans).clone()
    }

    /// The spans received so far, by trace id.
    pub fn traces(&self) -> HashMap<String, Vec<ReceivedSpan>> {
        let mut traces: HashMap<String, Vec<ReceivedSpan>> = HashMap::new();
        for span in self.spans() {
            traces.entry(span.trace_id.clone()).or_default().push(span);
        }
        traces
    }
}

impl Drop for OtlpCollector {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn receive(State(spans): State<Spans>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type != Some(PROTOBUF) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("the stub takes {PROTOBUF}, not {content_type:?}"),
        )
            .into_response();
    }
    let request = match ExportTraceServiceRequest::decode(body) {
        Ok(request) => request,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    lock(&spans).extend(flatten(request));
    let answer = ExportTraceServiceResponse::default().encode_to_vec();
    ([(header::CONTENT_TYPE, PROTOBUF)], answer).into_response()
}

fn flatten(request: ExportTraceServiceRequest) -> Vec<ReceivedSpan> {
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
            .map_or_else(String::new, |value| match value {
                Value::StringValue(name) => name.clone(),
                other => format!("{other:?}"),
            });
        let spans = resource_spans.scope_spans.into_iter().flat_map(|s| s.spans);
        received.extend(spans.map(|span| ReceivedSpan {
            service: service.clone(),
            name: span.name,
            trace_id: hex::encode(span.trace_id),
            span_id: hex::encode(span.span_id),
            parent_span_id: Some(hex::encode(span.parent_span_id)).filter(|p| !p.is_empty()),
        }));
    }
    received
}

fn lock(spans: &Spans) -> MutexGuard<'_, Vec<ReceivedSpan>> {
    spans.lock().unwrap_or_else(PoisonError::into_inner)
}
