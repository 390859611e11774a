//! Creating a replicated stream needs every one of its replicas' servers online. While
//! a cluster starts, or while a busy node misses a heartbeat, the meta leader briefly
//! counts a peer as offline and refuses the placement ("no suitable peers"). That
//! refusal is transient, so creation waits it out, within a bound, instead of failing
//! the whole apply. A create that timed out is waited out the same way: the meta leader
//! may answer late while the cluster forms, and creating again with the same
//! configuration is idempotent (JetStream answers with the resource already made).

use std::error::Error as StdError;
use std::future::Future;
use std::time::{Duration, Instant};

use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::context::{
    CreateKeyValueError, CreateKeyValueErrorKind, CreateStreamError, CreateStreamErrorKind,
};
use tracing::warn;

use crate::retry::Retry;

/// How long a placement refusal or a timed-out create is retried before it is reported.
pub const PLACEMENT_PATIENCE: Duration = Duration::from_secs(30);

/// Runs `create` under the event log's retry policy, with a placement refusal or a
/// timeout as the only failures tried again, until `PLACEMENT_PATIENCE` has passed; then
/// the last one is returned.
pub(super) async fn patiently<F, Fut, E>(what: &str, create: F) -> Result<(), E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: StdError + 'static,
{
    let deadline = Instant::now() + PLACEMENT_PATIENCE;
    let placement_pending = |err: &E| {
        let again = (no_suitable_peers(err) || timed_out(err)) && Instant::now() < deadline;
        if again {
            warn!(%what, error = %err, "the cluster is not ready for it yet; retrying");
        }
        again
    };
    Retry::UNTIL_DEADLINE
        .transient(create, placement_pending)
        .await
}

/// Whether JetStream refused a placement for lack of online peers, anywhere in the
/// chain of causes (a bucket's creation wraps its stream's).
fn no_suitable_peers(err: &(dyn StdError + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if let Some(stream) = err.downcast_ref::<CreateStreamError>()
            && let CreateStreamErrorKind::JetStream(js) = stream.kind()
            && js.error_code() == ErrorCode::CLUSTER_NO_PEERS
        {
            return true;
        }
        cause = err.source();
    }
    false
}

/// Whether the create request timed out, anywhere in the chain of causes.
fn timed_out(err: &(dyn StdError + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        let stream = err
            .downcast_ref::<CreateStreamError>()
            .is_some_and(|e| matches!(e.kind(), CreateStreamErrorKind::TimedOut));
        let bucket = err
            .downcast_ref::<CreateKeyValueError>()
            .is_some_and(|e| e.kind() == CreateKeyValueErrorKind::TimedOut);
        if stream || bucket {
            return true;
        }
        cause = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn refused(code: u64, description: &str) -> CreateStreamError {
        let js: async_nats::jetstream::Error = serde_json::from_value(serde_json::json!({
            "code": 400, "err_code": code, "description": description,
        }))
        .expect("a JetStream error");
        CreateStreamError::new(CreateStreamErrorKind::JetStream(js))
    }

    #[test]
    fn a_bucket_refused_for_lack_of_peers_is_found_under_its_wrapper() {
        let err = CreateKeyValueError::with_source(
            CreateKeyValueErrorKind::BucketCreate,
            refused(10005, "no suitable peers for placement, peer offline"),
        );
        assert!(no_suitable_peers(&err));
    }

    #[test]
    fn other_refusals_are_not_placement() {
        let err = refused(
            10058,
            "stream name already in use with a different configuration",
        );
        assert!(!no_suitable_peers(&err));
    }

    #[tokio::test]
    async fn a_placement_refusal_is_retried_and_other_errors_are_not() {
        let calls = Cell::new(0);
        let outcome = patiently("stream JOBS", || {
            calls.set(calls.get() + 1);
            let first = calls.get() == 1;
            async move {
                match first {
                    true => Err(refused(10005, "no suitable peers for placement")),
                    false => Ok(()),
                }
            }
        })
        .await;
        assert!(outcome.is_ok());
        assert_eq!(calls.get(), 2, "retried once after the placement refusal");

        calls.set(0);
        let outcome = patiently("bucket API_KEYS", || {
            calls.set(calls.get() + 1);
            let first = calls.get() == 1;
            async move {
                match first {
                    true => Err(CreateKeyValueError::new(CreateKeyValueErrorKind::TimedOut)),
                    false => Ok(()),
                }
            }
        })
        .await;
        assert!(outcome.is_ok());
        assert_eq!(calls.get(), 2, "retried once after the timeout");

        calls.set(0);
        let outcome = patiently("stream JOBS", || {
            calls.set(calls.get() + 1);
            async { Err(refused(10058, "stream name already in use")) }
        })
        .await;
        assert!(outcome.is_err());
        assert_eq!(calls.get(), 1, "another refusal is reported at once");
    }
}
