//! The Jetcrawl gateway: the front door for clients. It validates job specs at the edge,
//! appends `JobSubmitted` to the `JOBS` stream with permanent idempotency, and answers
//! with the job id well under the 2 s submit budget. One [`service::Gateway`] serves both
//! the tonic `jetcrawl.v1.Jobs` service and the HTTP API, so both share one code path.
//!
//! Every call is authenticated ([`auth`]: API keys or JWTs, the tenant taken from the
//! credential only), authorized by role (refusals audited), held to per-tenant
//! [`quota`]s, and served over TLS ([`tls`]) unless plaintext is asked for explicitly.

#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod error;
pub mod grpc;
pub mod health;
pub mod http;
pub mod mcp;
pub mod metrics;
pub mod quota;
pub mod results;
pub mod run;
pub mod security_config;
pub mod serve;
pub mod service;
pub mod status;
pub mod tls;
pub mod validate;

pub use config::GatewayConfig;
pub use error::GatewayError;
pub use run::{BoundGateway, bind, run};
pub use service::{Caller, Gateway};
