//! Domains: the registrable-domain key, the shared state in `DOMAINS`, and the pure
//! admission, back-pressure and breaker rules over it.

pub mod admit;
pub mod key;
pub mod state;
pub mod store;

#[cfg(test)]
mod admit_tests;

pub use admit::{Ask, Cause, Decision, Finish, Health, admit, confirm, finish};
pub use key::{DomainKey, NoHost};
pub use state::{Breaker, BreakerState, DomainState, Lease};
pub use store::DomainStore;
