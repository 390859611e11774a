//! How the worker reaches the outside. The rules (address classes, allow-list, resolver
//! pinning, proxy pool) live in `jetcrawl-egress`; this module applies them to the
//! worker's paths: the HTTP clients, the forward proxy the browser goes through, and the
//! job errors a refusal becomes. See ADRs 0018, 0019 and 0032.

mod client;
pub mod config;
pub mod forward;
mod handle;
mod refusal;
pub mod trail;

pub use client::MAX_REDIRECTS;
pub use config::EgressArgs;
pub use forward::ForwardProxy;
pub use handle::{Egress, EgressSettings, registrable_domain};
pub use jetcrawl_egress::proxy::{PoolPolicy, ProxyEndpoint, ProxyKind, Route};
pub use jetcrawl_egress::{AllowEntry, CheckedResolver, Refusal, Resolver, TargetPolicy};
pub use refusal::{check_scheme, refused};
pub use trail::EgressTrail;
