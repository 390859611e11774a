//! Egress proxies: each configured endpoint (credentials kept out of labels), and the
//! pool that spreads registrable domains over them.

mod endpoint;
mod pool;

pub use endpoint::{ProxyEndpoint, ProxyKind, parse_proxies};
pub use pool::{PoolPolicy, ProxyPool, Route};
