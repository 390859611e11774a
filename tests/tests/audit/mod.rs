//! The audit log end to end with the real binaries (issue 6, "Done means" 2): every event
//! and refused call becomes a chained row; QueryAuditLog filters, pages in chain order
//! and stays inside the tenants a key may read; VerifyAuditChain and `jetcrawl audit
//! verify` say OK with the head hash, or name the row a superuser altered behind the
//! trigger's back; `jetcrawl keys` rotations are audit rows too.

mod alerting;
mod keys;
mod query;
mod support;
mod verify;
