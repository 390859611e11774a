//! Signed, expiring result URLs.

mod config;
mod keys;
mod url;

pub use config::SigningConfig;
pub use keys::{KeyError, MIN_SECRET_BYTES, SigningKeys};
pub use url::{Denied, SignedUrl, UrlQuery, UrlSigner, result_path};
