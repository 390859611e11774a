//! Job ids: deterministic from (tenant, idempotency key), time-ordered otherwise.

use uuid::Uuid;

/// Namespace of the UUIDv5 job ids derived from idempotency keys. Never change it: every
/// stored key maps to its job through it.
pub const IDEMPOTENCY_NAMESPACE: Uuid = Uuid::from_u128(0x4f1c_2d7e_9b3a_4c5e_8f21_7d6a_0b9e_3c11);

/// The job id for a submit: UUIDv5 over (tenant, key) when a key is given, so a repeat
/// always names the same job; a fresh UUIDv7 otherwise.
pub fn job_id_for(tenant: &str, idempotency_key: Option<&str>) -> String {
    match idempotency_key {
        // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
        Some(key) => {
            let name = format!("{}:{tenant}:{key}", tenant.len());
            Uuid::new_v5(&IDEMPOTENCY_NAMESPACE, name.as_bytes()).to_string()
        }
        None => Uuid::now_v7().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_ids_are_stable_per_tenant_and_valid_subject_tokens() {
        let a = job_id_for("acme", Some("order-1"));
        assert_eq!(a, job_id_for("acme", Some("order-1")));
        assert_ne!(a, job_id_for("other", Some("order-1")));
        assert_ne!(job_id_for("ab", Some("c")), job_id_for("a", Some("bc")));
        assert_ne!(job_id_for("acme", None), job_id_for("acme", None));
        assert!(jetcrawl_streams::subjects::is_valid_token(&a));
    }
}
