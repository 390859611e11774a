//! One robots.txt fetch per origin for the whole fleet: the worker that claims the
//! origin's fetch lock (a `ROBOTS` key holding its expiry, taken by create or by
//! compare-and-swap once expired) fetches; the others wait for its record.

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation};
use bytes::Bytes;

use crate::domain::key::encode_key;

/// The lock key of an origin.
fn lock_key(origin: &str) -> String {
    format!("{}.fetching", encode_key(origin))
}

/// True when this worker may fetch `origin`'s robots.txt now: nobody holds the lock,
/// or the holder's lock expired (it died or hung). Errors count as "fetch anyway": a
/// duplicate fetch is better than no robots.txt.
pub(super) async fn claim(kv: &kv::Store, origin: &str, now_ms: i64, hold_ms: i64) -> bool {
    let key = lock_key(origin);
    let until = Bytes::from((now_ms + hold_ms).to_string());
    let entry = match kv.entry(key.as_str()).await {
        Ok(entry) => entry,
        Err(_) => return true,
    };
    match entry {
        Some(held) if held.operation == Operation::Put => {
            let expires: i64 = std::str::from_utf8(&held.value)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            expires <= now_ms && kv.update(key.as_str(), until, held.revision).await.is_ok()
        }
        _ => match kv.create(key.as_str(), until).await {
            Ok(_) => true,
            Err(err) => err.kind() != CreateErrorKind::AlreadyExists,
        },
    }
}

/// Lets the next worker fetch at once when this worker's fetch is done.
pub(super) async fn release(kv: &kv::Store, origin: &str) {
    if let Err(err) = kv.delete(lock_key(origin)).await {
        tracing::debug!(%origin, error = %err, "robots.txt fetch lock not released; it expires");
    }
}
