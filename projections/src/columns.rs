//! The column list of `jobs`, shared by every statement that reads a [`crate::JobRow`].

/// Expands to the `jobs` columns in [`crate::JobRow`] order, as a literal usable in
/// `concat!`, so statements stay `&'static str` (no dynamic SQL).
#[doc(hidden)]
#[macro_export]
macro_rules! job_columns {
    () => {
        "job_id, tenant, status, domain, render_mode, mode_used, attempts, submitted_at, \
         started_at, finished_at, updated_at, last_error_class, last_error, result_key, \
         result_size, result_sha256, labels, idempotency_key, submitted_seq, last_seq, \
         ack_latency_ms, duration_ms"
    };
}
