//! Who a verified credential speaks for, before it becomes a request's `Caller`.

use super::role::Role;

/// The verified facts of one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Its tenant.
    pub tenant: String,
    /// `key:<id>` or `jwt:<sub>`.
    pub actor: String,
    /// Its role.
    pub role: Role,
    /// Further tenants an auditor may read.
    pub granted_tenants: Vec<String>,
}
