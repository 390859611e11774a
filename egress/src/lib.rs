//! Jetcrawl egress: the one place that decides what a Jetcrawl component may reach and
//! how it goes out. The gateway (job and webhook URLs at submit), the worker (job URLs,
//! redirect hops, browser requests, robots.txt) and the notifier (webhook delivery) all
//! use it, so a spelling of an internal address refused by one is refused by all.
//!
//! - [`classify`]: the address classifier, one [`Class`] per refused range; IPv6 forms
//!   carrying IPv4 (mapped, translated, compatible, NAT64, 6to4, Teredo) are unwrapped.
//! - [`literal_ip`]: host parsing as browsers do it (decimal, octal, hex IPv4).
//! - [`TargetPolicy`] and [`AllowEntry`]: the allow-list and the development switch.
//! - [`Resolver`] and [`pin`]: resolve once, refuse if any address is refused, connect to
//!   the checked addresses only; `CheckedResolver` (feature `reqwest`) does the same
//!   inside an HTTP client.
//! - [`proxy`]: the proxy endpoints and the pool that spreads domains over them.
//! - [`Backoff`] and [`parse_retry_after`]: retry delays that honour `Retry-After`.
//! - [`refusal_in`] and [`chain`]: errors keep their causes; these read them back.
//!
//! See ADRs 0018, 0019 and 0032.

#![forbid(unsafe_code)]

mod allow;
mod backoff;
#[cfg(feature = "reqwest")]
mod checked;
mod class;
mod error;
mod host;
#[cfg(any(test, feature = "hostile"))]
pub mod hostile;
mod pin;
mod policy;
pub mod proxy;
mod resolve;
mod retry_after;

pub use allow::{AllowEntry, AllowEntryError, canonical, parse_allow_list};
pub use backoff::Backoff;
#[cfg(feature = "reqwest")]
pub use checked::CheckedResolver;
pub use class::{Class, Embedding, Forbidden, classify, embedded_v4};
pub use error::{chain, refusal_in};
pub use host::{is_localhost, literal_ip, localhost_addresses};
pub use pin::{CheckError, Pinned, check_literal, check_scheme, pin};
pub use policy::{Refusal, Remedy, TargetPolicy};
pub use resolve::{OverrideError, Resolver};
pub use retry_after::parse_retry_after;
