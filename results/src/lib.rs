//! Where Jetcrawl keeps results and how it hands them out.
//!
//! - [`ResultStore`] is the storage seam: the worker writes results and artifacts
//!   through it, the gateway streams downloads from it, and the retention purge lists and
//!   deletes through it. [`JetStreamResults`] (the `RESULTS` Object Store bucket) is the
//!   backend today; an S3-compatible or Azure Blob backend implements the same trait.
//! - [`Retention`] is how long results are kept: 30 to 90 days, 30 by default.
//! - [`UrlSigner`] mints and verifies the signed, expiring download URLs
//!   (`/results/{job_id}/{artifact}?exp=…&kid=…&sig=…`, HMAC-SHA256 over method, path,
//!   expiry, key id and tenant), with keys rotated by key id.

#![forbid(unsafe_code)]

pub mod artifacts;
pub mod jetstream;
pub mod retention;
pub mod signing;
pub mod store;

pub use artifacts::{artifact_name, content_type_of, is_valid_artifact_name};
pub use jetstream::JetStreamResults;
pub use retention::{Retention, RetentionConfig};
pub use signing::{Denied, SignedUrl, SigningConfig, SigningKeys, UrlQuery, UrlSigner};
pub use store::{ObjectBody, ObjectMeta, ResultStore, ResultStoreError, StoredObject};
