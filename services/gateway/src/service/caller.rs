//! Who is calling. Until authentication lands every caller is the configured default
//! tenant; this is the single place authentication will replace.

use tonic::metadata::MetadataMap;

use super::Gateway;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant every job of this request belongs to.
    pub tenant: String,
    /// The actor recorded in events, `client:<tenant>`.
    pub actor: String,
}

impl Gateway {
    /// Resolves the caller of a request from its metadata (HTTP headers for the HTTP API).
    pub fn caller(&self, _metadata: &MetadataMap) -> Caller {
        let tenant = self.settings.default_tenant.clone();
        Caller {
            actor: format!("client:{tenant}"),
            tenant,
        }
    }
}
