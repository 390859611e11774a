//! How the worker reaches the outside: the SSRF policy applied after DNS resolution on
//! every hop, the resolver (with overrides for tests), the proxy pool (round-robin,
//! sticky per registrable domain, retirement), the HTTP clients, and the forward proxy
//! the browser goes through. See ADRs 0018 and 0019.

mod client;
pub mod config;
mod endpoint;
pub mod forward;
mod handle;
pub mod policy;
pub mod proxies;
pub mod resolve;
pub mod trail;

pub use client::MAX_REDIRECTS;
pub use config::EgressArgs;
pub use forward::ForwardProxy;
pub use handle::{Egress, EgressSettings, registrable_domain};
pub use policy::{AllowEntry, Refusal, TargetPolicy};
pub use proxies::{PoolPolicy, ProxyEndpoint, ProxyKind, Route};
pub use resolve::{CheckedResolver, Resolver};
pub use trail::EgressTrail;
