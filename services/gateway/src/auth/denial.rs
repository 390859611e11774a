//! Refused calls are facts worth auditing: each one is published as an `AccessDenied`
//! message on `audit.denied.<tenant>` (stream `AUDIT_ACTIONS`), for the audit projector
//! to fold into the audit log.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use jetcrawl_proto::v1::AccessDenied;
use jetcrawl_streams::envelope::new_traceparent;
use jetcrawl_streams::security::audit_denied_subject;
use prost::Message as _;

/// Schema version of [`AccessDenied`].
pub const ACCESS_DENIED_SCHEMA: u32 = 1;
/// Longest wait for JetStream to acknowledge a denial record.
const RECORD_TIMEOUT: Duration = Duration::from_secs(1);

/// Publishes denials.
#[derive(Clone)]
pub struct DenialRecorder {
    js: jetstream::Context,
}

impl DenialRecorder {
    /// Records on `js`.
    pub fn new(js: jetstream::Context) -> Self {
        Self { js }
    }

    /// Records `denial`, waiting up to a second for the ack. A denial that cannot be
    /// recorded is logged (without any credential) and the refusal still stands.
    pub async fn record(&self, mut denial: AccessDenied) {
        denial.schema_version = ACCESS_DENIED_SCHEMA;
        denial.occurred_at = Some(jetcrawl_streams::job::to_timestamp(chrono::Utc::now()));
        if denial.traceparent.is_empty() {
            denial.traceparent = new_traceparent();
        }
        let mut headers = HeaderMap::new();
        headers.insert("Jetcrawl-Event-Type", "AccessDenied");
        headers.insert("Jetcrawl-Tenant", denial.tenant.as_str());
        let subject = audit_denied_subject(&denial.tenant);
        let payload = denial.encode_to_vec();
        let published = async {
            self.js
                .publish_with_headers(subject, headers, payload.into())
                .await?
                .await
                .map_err(|err| -> Box<dyn std::error::Error + Send + Sync> { Box::new(err) })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        };
        match tokio::time::timeout(RECORD_TIMEOUT, published).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                tracing::warn!(tenant = %denial.tenant, action = %denial.action, error = %err, "could not record an access denial")
            }
            Err(_) => {
                tracing::warn!(tenant = %denial.tenant, action = %denial.action, "access denial not acknowledged within 1 s")
            }
        }
    }
}
