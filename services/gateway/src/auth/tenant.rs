//! Tenant names: they end up in NATS subjects and log fields, so they are subject-safe.

use jetcrawl_streams::subjects::is_valid_token;

/// Longest tenant name.
pub const MAX_TENANT_CHARS: usize = 64;

/// `Ok` when `tenant` is a usable tenant name, else what to do.
pub fn check_tenant(tenant: &str) -> Result<(), String> {
    if tenant.len() <= MAX_TENANT_CHARS && is_valid_token(tenant) {
        return Ok(());
    }
    Err(format!(
        "tenant {} is not valid; use 1 to {MAX_TENANT_CHARS} letters, digits, - or _",
        crate::validate::limits::quote(tenant)
    ))
}
