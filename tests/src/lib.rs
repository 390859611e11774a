//! The test kit for Jetcrawl's end-to-end tests: real infrastructure, real service
//! binaries, and a deterministic fixture website, all on free loopback ports.
//!
//! - [`FixtureSite`] serves the pages the crawler is tested against and logs every
//!   request it receives.
//! - [`ServiceProcess`] runs one of the workspace's binaries as a child process in its
//!   own process group, with its output in a log file a failing test can print.
//! - [`Stack`] starts nats-server, Postgres and the fixture site, and spawns the gateway,
//!   workers and projectors wired to them through the services' environment contract;
//!   a spawned gateway comes with a client API key ([`BearerAuth`] sends it).
//! - [`LlmStub`] is a scripted OpenAI-compatible model endpoint, for the agent loop;
//!   [`LlamaServer`] serves the real local model.
//! - [`OtlpCollector`] receives the spans services export over OTLP/HTTP.
//! - [`TestProxy`] is a forward proxy that counts what it carries and can be made to
//!   fail, for egress rotation tests.
//! - [`eventually`], [`jobs::submit`], [`jobs::wait_terminal`] and [`init_test_tracing`]
//!   are the small helpers every test needs.
//!
//! Like `jetcrawl-local`, the kit reports failures with `anyhow`: a test only ever
//! prints them.

pub mod agent_rig;
pub mod auth;
pub mod eventually;
pub mod faults;
pub mod fixture;
pub mod headless;
pub mod http;
pub mod jobs;
pub mod llm_server;
pub mod llm_stub;
pub mod otlp;
pub mod proxy;
pub mod readiness;
pub mod scrape;
pub mod service;
pub mod stack;
pub mod target_dir;
pub mod telemetry;
pub mod workspace;

pub use auth::{BearerAuth, JobsApiClient};
pub use eventually::{eventually, eventually_every};
pub use fixture::{FixtureSite, RequestRecord};
pub use headless::headless_options;
pub use http::http_client;
pub use jetcrawl_local::{NatsServer, Postgres, chromium, free_port};
pub use llm_server::LlamaServer;
pub use llm_stub::{LlmStub, Scripted};
pub use otlp::{OtlpCollector, ReceivedSpan};
pub use proxy::{ProxiedRequest, TestProxy};
pub use service::ServiceProcess;
pub use stack::{Gateway, Notifier, Projector, Reporter, Stack, Worker};
pub use telemetry::init_test_tracing;
pub use workspace::workspace_root;
