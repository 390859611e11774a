//! How many browser sessions each tenant holds open: a session beyond the limit is
//! refused with `resource_exhausted`, and a session's slot comes back when it closes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Open sessions per tenant, shared by every MCP session of a gateway.
#[derive(Debug, Clone)]
pub struct SessionQuota {
    limit: usize,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One tenant's session slot; given back when dropped.
#[derive(Debug)]
pub struct QuotaSlot {
    tenant: String,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl SessionQuota {
    /// At most `limit` sessions per tenant.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            open: Arc::default(),
        }
    }

    /// A slot for `tenant`, or the message saying why there is none.
    pub fn take(&self, tenant: &str) -> Result<QuotaSlot, String> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(tenant.to_owned()).or_default();
        if *count >= self.limit {
            return Err(format!(
                "tenant {tenant} holds {} browser sessions already (JETCRAWL_MCP_SESSIONS_PER_TENANT); close one (end its MCP session) or wait until one idles out",
                self.limit
            ));
        }
        *count += 1;
        Ok(QuotaSlot {
            tenant: tenant.to_owned(),
            open: self.open.clone(),
        })
    }
}

impl Drop for QuotaSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.tenant) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.tenant);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_gets_its_limit_and_a_closed_session_gives_its_slot_back() {
        let quota = SessionQuota::new(2);
        let first = quota.take("acme").expect("first");
        let _second = quota.take("acme").expect("second");
        let refused = quota.take("acme").expect_err("third");
        assert!(refused.contains("holds 2 browser sessions"), "{refused}");
        assert!(quota.take("globex").is_ok(), "tenants are counted apart");
        drop(first);
        assert!(quota.take("acme").is_ok());
    }
}
