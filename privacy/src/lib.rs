//! Crypto-shredding for Jetcrawl's personal data (RGPD, ADR 0023).
//!
//! The personal fields of a job spec — its URLs (query strings included), navigate-step
//! URLs, the webhook URL and the client-supplied `data_subject` id — are sealed with
//! AES-256-GCM under a data key that belongs to one data subject, before they enter an
//! event. Sealed values look like `sealed:v1:<subject ref>:<base64url(nonce‖ciphertext)>`,
//! so the rest of the system stores and forwards them untouched.
//!
//! - [`SubjectKeys`] holds the keys in the JetStream KV bucket `SUBJECT_KEYS`. Erasing a
//!   subject purges its key (every revision): from then on its sealed values open as
//!   [`ERASED`], everywhere, with nothing to rewrite in the immutable log.
//! - [`Subject`] names whose data a job carries: the client's `data_subject`, or the job
//!   itself. [`SubjectRef`] is its pseudonymous reference (keyed HMAC), the only form
//!   that is ever stored in clear.
//! - [`seal_spec`] / [`SubjectKeys::open_spec`] seal and open a spec; each service opens
//!   in one place so its other code keeps seeing a plain spec.
//! - [`redact_message`] reduces URLs in free-text error messages to their origin, so the
//!   failure events a worker writes carry no personal path or query either.

#![forbid(unsafe_code)]

mod error;
mod key;
mod keys;
mod open;
mod redact;
mod seal;
mod spec;
mod subject;

pub use error::PrivacyError;
pub use key::DataKey;
pub use keys::{KeyLookup, SUBJECT_KEYS_BUCKET, SubjectKeys};
pub use open::Opened;
pub use redact::redact_message;
pub use seal::{ERASED, SEALED_PREFIX, is_sealed, open_value, seal_value, sealed_ref};
pub use spec::{is_erased, personal_fields_mut, seal_spec, sealed_subject_ref};
pub use subject::{RefKey, Subject, SubjectRef};
