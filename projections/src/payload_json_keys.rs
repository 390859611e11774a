//! JSON renderings of the key rotation events for the audit log's `details`.

use jetcrawl_proto::v1::{ApiKeyIssued, ApiKeyRevoked};
use serde_json::{Value, json};

pub(crate) fn api_key_issued(p: &ApiKeyIssued) -> Value {
    json!({
        "key_id": p.key_id,
        "role": p.role,
        "granted_tenants": p.granted_tenants,
        "issued_by": p.issued_by,
    })
}

pub(crate) fn api_key_revoked(p: &ApiKeyRevoked) -> Value {
    json!({"key_id": p.key_id, "role": p.role, "revoked_by": p.revoked_by})
}
